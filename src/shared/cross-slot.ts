import type { Command } from 'ioredis';

/**
 * A Redis Cluster refused an operation because its keys live in different hash slots. chatbatch
 * never needs one: every key of a CHATBATCH_PREFIX carries the hash tag `{prefix}`
 * (src/shared/keys.ts) and BullMQ's prefix is that same `{prefix}`, so each Lua script,
 * pipeline and MULTI touches one slot. This error therefore means a key was built without the
 * tag (a bug) or one operation mixed two prefixes; the message says so instead of leaving the
 * reader with Redis' bare "CROSSSLOT".
 */
export class CrossSlotError extends Error {
  readonly code = 'CROSSSLOT';

  constructor(
    /** Redis' or ioredis' own message. */
    readonly reason: string,
    /** The operation's keys, when known (at most a few, shortened). */
    readonly keys: readonly string[],
  ) {
    super(
      `Redis Cluster refused an operation whose keys are in different hash slots (${reason}` +
        `${keys.length ? `; keys: ${keys.join(', ')}` : ''}). Every chatbatch key of one ` +
        'CHATBATCH_PREFIX must carry the hash tag {prefix} (src/shared/keys.ts makeKeys; ' +
        "BullMQ's prefix is the same {prefix}) so that scripts, pipelines and MULTI stay in one " +
        'slot: a key built without that tag, or one operation over two prefixes, cannot work ' +
        'on a cluster.',
    );
    this.name = 'CrossSlotError';
  }
}

/** Redis' and ioredis' wordings of "these keys are not in one slot". */
const SLOT_REFUSALS = [
  /^CROSSSLOT\b/,
  /do not hash to the same slot/i,
  /non local key/i,
  /should belong to the same slot/i,
  /same slots allocation group/i,
];

const MAX_KEYS_SHOWN = 4;
const MAX_KEY_CHARS = 80;

function shown(keys: readonly (string | Buffer)[]): string[] {
  return keys.slice(0, MAX_KEYS_SHOWN).map((key) => {
    const text = key.toString();
    return text.length > MAX_KEY_CHARS ? `${text.slice(0, MAX_KEY_CHARS)}…` : text;
  });
}

/** `error` as a CrossSlotError when it is a slot refusal, else unchanged. */
export function asCrossSlotError(error: unknown, keys: readonly (string | Buffer)[] = []): unknown {
  if (!(error instanceof Error) || error instanceof CrossSlotError) return error;
  if (!SLOT_REFUSALS.some((pattern) => pattern.test(error.message))) return error;
  const explained = new CrossSlotError(error.message, shown(keys));
  explained.cause = error;
  return explained;
}

const explained = new WeakSet<Command>();

/** Makes one command reject with a CrossSlotError instead of a bare slot refusal. */
export function explainCrossSlot(command: Command): void {
  if (explained.has(command)) return;
  explained.add(command);
  const reject = command.reject;
  command.reject = (error: Error) => {
    let keys: (string | Buffer)[] = [];
    try {
      keys = command.getKeys();
    } catch {
      // Keys are only for the message.
    }
    reject(asCrossSlotError(error, keys) as Error);
  };
}

/** Makes a pipeline's or transaction's `exec` reject with a CrossSlotError likewise. */
export function explainCrossSlotOnExec<T extends { exec: (...args: never[]) => Promise<unknown> }>(
  pipeline: T,
): T {
  const exec = pipeline.exec.bind(pipeline);
  pipeline.exec = ((...args: never[]) =>
    exec(...args).catch((error: unknown) => {
      throw asCrossSlotError(error);
    })) as T['exec'];
  return pipeline;
}

import { inspect } from 'node:util';

/**
 * The webhook settings that several entry points read (config, the ingest flag, the API field):
 * the event types, the URL rule, the `whsec_` secrets and the max-age duration. Pure parsing;
 * delivery lives in src/webhooks/.
 */

/** Sent for every batch that has a webhook URL. */
export const BATCH_EVENT_TYPES = [
  'batch.completed',
  'batch.paused',
  'batch.cancelled',
  'batch.expired',
] as const;
/** Sent only to batches that ask for them (`--webhook-events`, `webhookEvents`). */
export const OPT_IN_EVENT_TYPES = ['conversation.finished'] as const;
export type BatchEventType = (typeof BATCH_EVENT_TYPES)[number];
export type OptInEventType = (typeof OPT_IN_EVENT_TYPES)[number];
export type WebhookEventType = BatchEventType | OptInEventType;

/** Longest webhook URL accepted (it is stored in the batch hash and every event). */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * Why `value` cannot be a webhook URL, or undefined when it can. Only the syntax: whether its
 * host is a private address is decided at delivery time, where the name is resolved.
 */
export function webhookUrlProblem(value: string): string | undefined {
  if (value.length > WEBHOOK_URL_MAX_LENGTH)
    return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `must start with http:// or https:// (not ${url.protocol}//)`;
  // Credentials in a URL end up in the batch hash and every event job: ask for a token in the
  // path or query instead, which the receiver can rotate just as well.
  if (url.username || url.password)
    return 'must not contain a user name or password (put a token in the path or query)';
  if (!url.hostname) return 'must name a host';
  return undefined;
}

/** Reads a comma-separated list of opt-in event types; throws an Error naming the bad one. */
export function parseOptInEvents(value: string | readonly string[]): OptInEventType[] {
  const names = (typeof value === 'string' ? value.split(',') : [...value])
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(OPT_IN_EVENT_TYPES as readonly string[]).includes(name)) {
      throw new Error(
        `"${name}" is not an opt-in event type (the opt-in types are: ${OPT_IN_EVENT_TYPES.join(', ')}; batch events are always sent)`,
      );
    }
  }
  return [...new Set(names)] as OptInEventType[];
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * One signing key of the Standard Webhooks scheme. It prints as `[redacted]` wherever it goes
 * (JSON, `util.inspect`, template strings), so a logged config or error never shows it.
 */
export class WebhookSecret {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = Buffer.from(key);
  }

  /** The raw key bytes (the base64 after `whsec_`, decoded): the HMAC key. */
  key(): Buffer {
    return this.#key;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'WebhookSecret [redacted]';
  }
}

/**
 * Parses `CHATBATCH_WEBHOOK_SECRET`: one or more `whsec_<base64>` secrets separated by spaces.
 * Every delivery is signed with each of them (rotation: add the new one, let receivers switch,
 * then drop the old one). Throws an Error saying which secret (by position, never its text) is
 * wrong and why.
 */
export function parseWebhookSecrets(value: string): WebhookSecret[] {
  const parts = value.split(/\s+/).filter(Boolean);
  if (parts.length === 0) throw new Error('must hold at least one whsec_… secret');
  return parts.map((part, i) => {
    const which = parts.length > 1 ? `secret ${i + 1}: ` : '';
    if (!part.startsWith(SECRET_PREFIX))
      throw new Error(`${which}must start with "${SECRET_PREFIX}" (Standard Webhooks secrets)`);
    const encoded = part.slice(SECRET_PREFIX.length);
    if (!BASE64.test(encoded) || encoded.length === 0)
      throw new Error(`${which}the part after "${SECRET_PREFIX}" must be standard base64`);
    return new WebhookSecret(Buffer.from(encoded, 'base64'));
  });
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Parses a duration such as `72h`, `30m`, `45s`, `2d`, or a bare number of seconds, into
 * seconds. Throws an Error with the rule.
 */
export function parseDurationSeconds(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(value.trim());
  if (!match)
    throw new Error('must be a duration such as 72h, 30m, 45s, 2d or a number of seconds');
  return Math.round(Number(match[1]) * UNIT_SECONDS[match[2] || 's']!);
}

/** On/off switches: `on|true|1|yes` and `off|false|0|no`, any case. */
export function parseSwitch(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new Error('must be on or off (also true/false, 1/0, yes/no)');
}

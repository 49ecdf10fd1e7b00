import type { FaultMix } from './fault-spec.js';
import type { RandomSource } from './fault-picker.js';
import type { Reply } from './reply.js';
import type { RequestLogEntry } from './request-log.js';
import type { SimulatorStats } from './stats.js';
import type { DynamicValue } from './validate.js';

/** A valid request as a `script` hook sees it. */
export interface ScriptRequest {
  /** Same as the log entry's `seq`. */
  readonly seq: number;
  readonly agentId: string;
  readonly input: string;
  readonly dynamicVariables?: Readonly<Record<string, DynamicValue>>;
  readonly previousChatId?: string;
  /** Chain length the new chat would have: 1 without `previousChatId`, else the previous one's + 1. */
  readonly turn: number;
}

/** Forces (part of) the answer to one request; `undefined` or `{}` keeps the default. */
export type Script = (request: ScriptRequest) => Partial<Reply> | undefined;

export interface SimulatorOptions {
  /** TCP port; 0 = any free port (read it back from `Simulator.port`). Default 0. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** When set, requests whose `X-API-Key` is not exactly this get 401. Default: no check. */
  apiKey?: string;
  /** Delay before every answer of the chat endpoint, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Extra delay drawn uniformly from [0, this) per request, in milliseconds. Default 0. */
  latencyJitterMs?: number;
  /**
   * The account's capacity: valid requests beyond this many accepted in any sliding second get
   * 429 with `Retry-After: 1` (logged with fault `capacity`). Change it while running with
   * `Simulator.setCapacity` or `PUT /__control/capacity`. Default: no limit.
   */
  capacity?: number;
  /** Which share of valid requests gets which fault. Default: none. */
  faults?: FaultMix;
  /**
   * Source of numbers in [0, 1). Per valid request it is drawn in this order: the fault (only when
   * the mix has a non-zero fraction), the jitter (only when `latencyJitterMs` > 0 and the script
   * set no latency), then the fault's variant (the 5xx status, the malformed body). Requests
   * rejected before that only draw the jitter. Chat ids do not use it. Default `Math.random`.
   */
  random?: RandomSource;
  /**
   * A chat whose chain length (1 for a chat without `previousChatId`, +1 per link) reaches this
   * gets status `ended`. Default: never.
   */
  endAfterTurns?: number;
  /** Hook that overrides the answer for chosen requests (tests). Default: none. */
  script?: Script;
  /**
   * Vary the spellings the vendor is known to use: by request order, 201 instead of 200,
   * `chat_` instead of `chat-` and `in_progress` instead of `in-progress`, so every combination
   * occurs. Default false (always 200, `chat-`, `in-progress`).
   */
  alternateSuccessCodes?: boolean;
  /** Also append every log entry to this JSONL file (buffered). Default: memory only. */
  logFile?: string;
  /**
   * Entries kept in `Simulator.log`; beyond it the oldest are dropped (a tenth at a time).
   * For long benchmarks. Counts in `stats()` are not affected. Default: unlimited.
   */
  maxLogEntries?: number;
}

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:43127`; the endpoint is `${url}/v1/chats`. */
  readonly url: string;
  readonly port: number;
  /** Every chat-endpoint request, in arrival order. The same array for the simulator's life. */
  readonly log: RequestLogEntry[];
  /** Stops listening, drops open connections and pending answers, and closes the log file. */
  close(): Promise<void>;
  /** Forgets the log, the counts and the known chats (`seq` starts at 1 again). */
  reset(): void;
  /** Counts since start or the last reset. */
  stats(): SimulatorStats;
  /** The current capacity (accepted requests per sliding second); undefined = no limit. */
  readonly capacity: number | undefined;
  /** Changes the capacity from now on (undefined = no limit). */
  setCapacity(capacity: number | undefined): void;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`simulator: ${message}`);
}

/** Rejects option values that would make the simulator misbehave silently. */
export function checkOptions(options: SimulatorOptions): void {
  const { port, latencyMs, latencyJitterMs, endAfterTurns, maxLogEntries, capacity } = options;
  check(
    capacity === undefined || (Number.isFinite(capacity) && capacity >= 0),
    `capacity must be a number ≥ 0, got ${capacity}`,
  );
  check(
    port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65_535),
    `port must be 0–65535, got ${port}`,
  );
  check(
    latencyMs === undefined || (Number.isFinite(latencyMs) && latencyMs >= 0),
    `latencyMs must be a number ≥ 0, got ${latencyMs}`,
  );
  check(
    latencyJitterMs === undefined || (Number.isFinite(latencyJitterMs) && latencyJitterMs >= 0),
    `latencyJitterMs must be a number ≥ 0, got ${latencyJitterMs}`,
  );
  check(
    endAfterTurns === undefined || (Number.isInteger(endAfterTurns) && endAfterTurns >= 1),
    `endAfterTurns must be a whole number ≥ 1, got ${endAfterTurns}`,
  );
  check(
    maxLogEntries === undefined ||
      maxLogEntries === Infinity ||
      (Number.isInteger(maxLogEntries) && maxLogEntries >= 1),
    `maxLogEntries must be a whole number ≥ 1, got ${maxLogEntries}`,
  );
}

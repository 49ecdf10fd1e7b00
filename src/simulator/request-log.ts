import { JsonlWriter } from './jsonl-writer.js';

/**
 * One request to the simulator, as tests and benchmarks inspect it. Never holds the API key:
 * only whether it matched.
 */
export interface RequestLogEntry {
  /** 1-based order of arrival since start (or the last reset). */
  seq: number;
  /** When the request arrived, in ms since the epoch. */
  receivedAt: number;
  agentId?: string;
  input?: string;
  previousChatId?: string;
  dynamicVariables?: Record<string, unknown>;
  /** Whether `X-API-Key` matched (always true when the simulator has no key). */
  apiKeyOk: boolean;
  /** HTTP status answered, or `reset` / `lost` when the socket was destroyed instead. */
  status: number | 'reset' | 'lost';
  /** The injected fault, when one applied. */
  fault?: string;
  /** The chat created by this request (also for `lost`, where the client never sees it). */
  chatId?: string;
}

/**
 * The in-memory log (the array is handed out as `Simulator.log` and only ever changed in place, so
 * a reference taken before a reset stays live), plus an optional JSONL copy on disk.
 */
export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  readonly #maxEntries: number;
  readonly #file: JsonlWriter | undefined;

  constructor(maxEntries: number, logFile: string | undefined) {
    this.#maxEntries = maxEntries;
    this.#file = logFile === undefined ? undefined : new JsonlWriter(logFile);
  }

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.#maxEntries) {
      // Drop a tenth at once so the O(n) splice is rare rather than once per request.
      this.entries.splice(
        0,
        this.entries.length - this.#maxEntries + Math.ceil(this.#maxEntries / 10),
      );
    }
    this.#file?.write(entry);
  }

  clear(): void {
    this.entries.length = 0;
  }

  async close(): Promise<void> {
    await this.#file?.close();
  }
}

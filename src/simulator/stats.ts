import type { RequestLogEntry } from './request-log.js';

/** Counts since start (or the last reset); kept apart from the log so trimming it loses nothing. */
export interface SimulatorStats {
  /** Requests to the chat endpoint (control endpoints such as `/__log` are not counted). */
  requests: number;
  /** Chats created, including `lost` ones and `error` chats. */
  chatsCreated: number;
  /** Requests per answered status: `"200"`, `"429"`, …, `"reset"`, `"lost"`. */
  byStatus: Record<string, number>;
  /** Requests per injected fault kind. */
  byFault: Record<string, number>;
}

export class StatsCounter {
  #stats: SimulatorStats = StatsCounter.#empty();

  static #empty(): SimulatorStats {
    return { requests: 0, chatsCreated: 0, byStatus: {}, byFault: {} };
  }

  count(entry: RequestLogEntry): void {
    const s = this.#stats;
    s.requests++;
    if (entry.chatId !== undefined) s.chatsCreated++;
    const status = String(entry.status);
    s.byStatus[status] = (s.byStatus[status] ?? 0) + 1;
    if (entry.fault !== undefined) s.byFault[entry.fault] = (s.byFault[entry.fault] ?? 0) + 1;
  }

  /** A copy, so callers can keep it while counting goes on. */
  snapshot(): SimulatorStats {
    const s = this.#stats;
    return { ...s, byStatus: { ...s.byStatus }, byFault: { ...s.byFault } };
  }

  clear(): void {
    this.#stats = StatsCounter.#empty();
  }
}

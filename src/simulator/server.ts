import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatEndpoint } from './chat-endpoint.js';
import { baseUrl, pathOf, sendJson } from './http-io.js';
import { checkOptions, type Simulator, type SimulatorOptions } from './options.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import { StatsCounter } from './stats.js';
import { CAPACITY_PATH, serveCapacity } from './capacity-route.js';

/** The one vendor endpoint the simulator implements. */
export const CHATS_PATH = '/v1/chats';
/** Control endpoint: the in-memory log as JSON lines. */
export const LOG_PATH = '/__log';
/** Control endpoint: 200 while the simulator runs. */
export const HEALTH_PATH = '/__health';

/**
 * Idle keep-alive connections are kept this long, in ms. Well above Node's 5 s default so a
 * benchmark client pausing between phases does not pay for new connections (clients read the
 * `Keep-Alive: timeout` hint and close first).
 */
const KEEP_ALIVE_MS = 30_000;
/** Log lines per write when serving `/__log`, so a big log is not one giant string. */
const LOG_LINES_PER_CHUNK = 1000;

/**
 * Starts a local stand-in for SigmaMind's "Create a Chat" endpoint (`POST /v1/chats`) with the
 * vendor's validation, injectable faults and latency, and a log of every request.
 */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const log = new RequestLog(options.maxLogEntries ?? Infinity, options.logFile);
  const stats = new StatsCounter();
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;

  const record = (entry: RequestLogEntry): void => {
    log.add(entry);
    stats.count(entry);
  };
  const later = (ms: number, action: () => void): void => {
    // Zero latency answers in the same tick: no timer at all on the fast path.
    if (!(ms > 0)) return action();
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const chats = new ChatEndpoint(options, record, later);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    if (path === HEALTH_PATH) return sendJson(res, 200, '{"ok":true}');
    if (path === LOG_PATH && req.method === 'GET') return serveLog(res, log.entries);
    if (path === CAPACITY_PATH) return serveCapacity(req, res, chats);

    // Every field up front, in the documented order: one object shape for all entries (fast)
    // and JSON lines whose keys always come in the same order (undefined ones are left out).
    const entry: RequestLogEntry = {
      seq: ++seq,
      receivedAt: Date.now(),
      agentId: undefined,
      input: undefined,
      previousChatId: undefined,
      dynamicVariables: undefined,
      apiKeyOk: chats.keyMatches(req),
      status: 0,
      fault: undefined,
      chatId: undefined,
    };
    if (path !== CHATS_PATH) return chats.fail(res, entry, 404, `no route ${req.method} ${path}`);
    if (req.method !== 'POST') {
      return chats.fail(res, entry, 405, `${req.method} is not allowed here; use POST`, undefined, {
        allow: 'POST',
      });
    }
    chats.handle(req, res, entry);
  };

  const server = createServer(handle);
  server.keepAliveTimeout = KEEP_ALIVE_MS;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await log.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl(host, port),
    port,
    log: log.entries,
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await log.close();
      })();
      return closing;
    },
    reset() {
      seq = 0;
      log.clear();
      stats.clear();
      chats.reset();
    },
    stats: () => stats.snapshot(),
    get capacity() {
      return chats.capacity;
    },
    setCapacity(capacity) {
      chats.capacity = capacity;
    },
  };
}

/** Streams a snapshot of the log as JSON lines, respecting back-pressure. */
function serveLog(res: ServerResponse, entries: readonly RequestLogEntry[]): void {
  const snapshot = entries.slice();
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  let i = 0;
  const pump = (): void => {
    while (i < snapshot.length) {
      let chunk = '';
      const end = Math.min(i + LOG_LINES_PER_CHUNK, snapshot.length);
      for (; i < end; i++) chunk += `${JSON.stringify(snapshot[i])}\n`;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

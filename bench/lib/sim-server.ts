/**
 * The simulator in its own process (forked by sim.ts), so that it does not take event-loop time
 * from the worker being measured. It wraps src/simulator without changing it, and adds what the
 * chain scenario needs: the precise time each request arrived and each chat's answer was sent
 * (the simulator's own log has only `receivedAt`, in whole ms, taken before the latency wait).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createSimulator } from '../../src/simulator/index.js';
import type { SimMessage, SimOptions, SimLog } from './sim-protocol.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SimOptions;
const now = () => performance.timeOrigin + performance.now();
/** chatId → when its answer was handed to the socket / when its request arrived (epoch ms). */
const sentAt = new Map<string, number>();
const arrivedAt = new Map<string, number>();

if (options.trackTimes) {
  const arrival = new WeakMap<object, number>();
  type Emit = (this: http.Server, event: string, ...args: unknown[]) => boolean;
  const emit = http.Server.prototype.emit as unknown as Emit;
  (http.Server.prototype as unknown as { emit: Emit }).emit = function (event, ...args) {
    if (event === 'request' && typeof args[1] === 'object' && args[1] !== null) {
      arrival.set(args[1], now());
    }
    return emit.call(this, event, ...args);
  };
  type End = (this: http.ServerResponse, ...args: unknown[]) => http.ServerResponse;
  const end = http.ServerResponse.prototype.end as unknown as End;
  const CHAT_BODY = '{"chatId":"';
  (http.ServerResponse.prototype as unknown as { end: End }).end = function (...args) {
    const body = args[0];
    // A success body starts with the chat id (src/simulator/reply.ts chatBody).
    if (typeof body === 'string' && body.startsWith(CHAT_BODY)) {
      const chatId = body.slice(CHAT_BODY.length, body.indexOf('"', CHAT_BODY.length));
      sentAt.set(chatId, now());
      const arrived = arrival.get(this);
      if (arrived !== undefined) arrivedAt.set(chatId, arrived);
    }
    return end.apply(this, args);
  };
}

const content = options.replyChars ? 'x'.repeat(options.replyChars) : undefined;
const simulator = await createSimulator({
  latencyMs: options.latencyMs ?? 0,
  latencyJitterMs: options.jitterMs ?? 0,
  apiKey: options.apiKey,
  capacity: options.capacity,
  // A fixed reply size (the memory scenario); otherwise the simulator's default ~100 chars.
  script: content === undefined ? undefined : () => ({ content }),
});

function snapshot(): SimLog {
  const entries = simulator.log;
  return {
    receivedAt: entries.map((e) => e.receivedAt),
    status: entries.map((e) => e.status),
    chatId: entries.map((e) => e.chatId ?? null),
    previousChatId: entries.map((e) => e.previousChatId ?? null),
    input: entries.map((e) => e.input ?? null),
    sentAt,
    arrivedAt,
  };
}

process.on('message', (message: SimMessage) => {
  switch (message.type) {
    case 'reset':
      simulator.reset();
      sentAt.clear();
      arrivedAt.clear();
      process.send!({ type: 'reset-done' });
      break;
    case 'log':
      process.send!({ type: 'log', log: snapshot() });
      break;
    case 'stop':
      void simulator.close().then(() => process.exit(0));
      break;
  }
});
process.on('disconnect', () => void simulator.close().then(() => process.exit(0)));
process.send!({ type: 'ready', url: simulator.url });

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request that reached a test receiver, and what it answered. */
export interface ReceivedHook {
  /** ms since the epoch, when the body had arrived. */
  at: number;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

/**
 * A webhook receiver on 127.0.0.1 (port 0 unless given) that records every request and
 * answers what `answer` says (204 by default). `down()` closes it so that connections are
 * refused; `up()` listens again on the same port.
 */
export interface TestReceiver {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedHook[];
  answer: (request: IncomingMessage, seen: number) => number | Promise<number>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(
  options: { path?: string; answer?: TestReceiver['answer'] } = {},
): Promise<TestReceiver> {
  let server: Server | undefined;
  let port = 0;
  const received: ReceivedHook[] = [];
  const receiver: TestReceiver = {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}${options.path ?? '/hook'}`;
    },
    received,
    answer: options.answer ?? (() => 204),
    async down() {
      if (!server) return;
      const closing = server;
      server = undefined;
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async up() {
      if (server) return;
      const next = createServer((request, response) => {
        let body = '';
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => (body += chunk));
        request.on('end', () => {
          const seen = received.length;
          void Promise.resolve(receiver.answer(request, seen)).then((status) => {
            received.push({
              at: Date.now(),
              id: String(request.headers['webhook-id'] ?? ''),
              timestamp: String(request.headers['webhook-timestamp'] ?? ''),
              signature: String(request.headers['webhook-signature'] ?? ''),
              body,
              status,
            });
            response.statusCode = status;
            response.end();
          });
        });
      });
      await new Promise<void>((resolve, reject) => {
        next.once('error', reject);
        next.listen(port, '127.0.0.1', () => resolve());
      });
      port = (next.address() as AddressInfo).port;
      server = next;
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  return receiver;
}

/** Verifies a received request with the independent `standardwebhooks` library; returns the body. */
export function verifyHook(secret: string, hook: ReceivedHook): unknown {
  return new Webhook(secret).verify(hook.body, {
    'webhook-id': hook.id,
    'webhook-timestamp': hook.timestamp,
    'webhook-signature': hook.signature,
  });
}

/** The parsed body of a request. */
export function bodyOf<T = { type: string; timestamp: string; data: Record<string, unknown> }>(
  hook: ReceivedHook,
): T {
  return JSON.parse(hook.body) as T;
}

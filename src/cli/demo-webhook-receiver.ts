import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook event the demo's receiver got. */
export interface DemoHook {
  id: string;
  type: string;
}

/**
 * The demo's stand-in for a user's webhook endpoint: a server on 127.0.0.1 that answers 204
 * and remembers what arrived (the demo turns CHATBATCH_WEBHOOK_ALLOW_PRIVATE on for it).
 */
export async function startDemoReceiver(): Promise<{
  url: string;
  secret: string;
  received: DemoHook[];
  close(): Promise<void>;
}> {
  const received: DemoHook[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        const { type } = JSON.parse(body) as { type: string };
        received.push({ id: String(request.headers['webhook-id']), type });
      } catch {
        // Not ours: ignore.
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/chatbatch`,
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

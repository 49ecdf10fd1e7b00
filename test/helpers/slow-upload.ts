import { connect } from 'node:net';

/** The head of a raw POST to the API (a body sent by hand, so its pace is the test's). */
export const postHead = (token: string, contentType: string, length: number, path: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
  `Content-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`;

export interface SlowUpload {
  /** Status line of the answer, if one came. */
  status: string | undefined;
  /** ms from the first byte of the body until the server closed the connection. */
  closedAfterMs: number;
}

/**
 * Sends the head of a request to 127.0.0.1:`port`, then its body `bytes` at a time every
 * `everyMs`, the way a slowloris client does, until the server closes the connection; rejects
 * if it is still open after `giveUpMs`.
 */
export function slowUpload(
  port: number,
  head: string,
  body: string,
  everyMs: number,
  o: { bytes?: number; giveUpMs?: number } = {},
): Promise<SlowUpload> {
  const bytes = o.bytes ?? 1;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let started = 0;
    let sent = 0;
    let drip: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the slow upload open'));
    }, o.giveUpMs ?? 20_000);
    socket.on('connect', () => {
      socket.write(head);
      started = Date.now();
      drip = setInterval(() => {
        if (sent < body.length && socket.writable) socket.write(body.slice(sent, (sent += bytes)));
      }, everyMs);
    });
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve({
        status: /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1],
        closedAfterMs: Date.now() - started,
      });
    });
  });
}

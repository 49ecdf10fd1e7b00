import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Largest body accepted, in bytes; above it the answer is 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the whole body as UTF-8, then calls `done` with it, or with `undefined` when it was over
 * `maxBytes`. An oversized body is still read to the end (and thrown away) rather than cut off,
 * so the client receives the 413 instead of a broken pipe and the connection stays reusable.
 * When the client goes away mid-body, `done` is never called.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  done: (text: string | undefined) => void,
): void {
  const declared = Number(req.headers['content-length']);
  let tooBig = declared > maxBytes;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (tooBig) return;
    size += chunk.length;
    if (size > maxBytes) {
      tooBig = true;
      chunks.length = 0;
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooBig) return done(undefined);
    const only = chunks.length === 1 ? chunks[0] : undefined;
    done((only ?? Buffer.concat(chunks, size)).toString('utf8'));
  });
  // An aborted upload is the client's business; without a listener it would throw.
  req.on('error', () => {});
}

/** Sends a complete JSON answer, unless the client already went away. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers?: OutgoingHttpHeaders,
): void {
  if (res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Destroys the connection without a byte of answer, as a crashed upstream or a dropped network does. */
export function dropConnection(res: ServerResponse): void {
  res.socket?.destroy();
}

/** Path of a request target, without the query string. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Base URL clients should use for an address the server listens on. */
export function baseUrl(host: string, port: number): string {
  // A wildcard address is not a destination; loopback of the same family reaches it.
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

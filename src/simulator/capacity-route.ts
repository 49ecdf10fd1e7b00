import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http-io.js';
import { errorBody } from './reply.js';

/** Control endpoint: GET the capacity, PUT `{"capacity": R}` (or `null` for no limit) to change it. */
export const CAPACITY_PATH = '/__control/capacity';

/** Control bodies are tiny. */
const MAX_CONTROL_BODY_BYTES = 1024;

/** What the route changes: the chat endpoint's capacity. */
export interface CapacityHolder {
  capacity: number | undefined;
}

const current = (holder: CapacityHolder) => JSON.stringify({ capacity: holder.capacity ?? null });

/** `GET|PUT /__control/capacity`, so tests, the demo and benchmarks can drive a changing vendor. */
export function serveCapacity(
  req: IncomingMessage,
  res: ServerResponse,
  holder: CapacityHolder,
): void {
  if (req.method === 'GET') return sendJson(res, 200, current(holder));
  if (req.method !== 'PUT') {
    return sendJson(res, 405, errorBody(405, `${req.method} is not allowed here; use GET or PUT`), {
      allow: 'GET, PUT',
    });
  }
  readBody(req, MAX_CONTROL_BODY_BYTES, (text) => {
    if (text === undefined) {
      return sendJson(
        res,
        413,
        errorBody(413, `body must be at most ${MAX_CONTROL_BODY_BYTES} bytes`),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return sendJson(res, 400, errorBody(400, 'body: not valid JSON'));
    }
    const capacity =
      typeof body === 'object' && body !== null && 'capacity' in body
        ? (body as { capacity: unknown }).capacity
        : undefined;
    const valid =
      capacity === null ||
      (typeof capacity === 'number' && Number.isFinite(capacity) && capacity >= 0);
    if (!valid) {
      return sendJson(
        res,
        400,
        errorBody(
          400,
          'capacity: must be a number ≥ 0 (requests per second), or null for no limit',
        ),
      );
    }
    holder.capacity = capacity ?? undefined;
    sendJson(res, 200, current(holder));
  });
}

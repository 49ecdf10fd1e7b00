/**
 * Hash routes of the console (`#/batches/<id>`): the page works from one static file, and a
 * reload or a shared link opens the same view. Ids are percent-encoded in the hash, so any
 * conversation id (slashes, spaces, `#`) survives the round trip. Recipient ids (personal data)
 * never go into a route: the suppression list keeps its page and its search in memory.
 */
export type Route =
  | { page: 'batches' }
  | { page: 'upload' }
  | { page: 'schedules' }
  | { page: 'suppressions' }
  | { page: 'batch'; batchId: string }
  | { page: 'conversation'; batchId: string; conversationId: string }
  | { page: 'not-found'; hash: string };

const enc = encodeURIComponent;

const TOP_PAGES = ['batches', 'upload', 'schedules', 'suppressions'] as const;
type TopPage = (typeof TOP_PAGES)[number];

export const hrefs = {
  batches: () => '#/batches',
  upload: () => '#/upload',
  schedules: () => '#/schedules',
  suppressions: () => '#/suppressions',
  batch: (batchId: string) => `#/batches/${enc(batchId)}`,
  conversation: (batchId: string, conversationId: string) =>
    `#/batches/${enc(batchId)}/conversations/${enc(conversationId)}`,
};

function decode(part: string): string | undefined {
  try {
    const value = decodeURIComponent(part);
    return value === '' ? undefined : value;
  } catch {
    return undefined; // a malformed escape: no such page
  }
}

/** The route of a `location.hash` (`''`, `#/` and `#/batches` are the batches list). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = path === '' ? [] : path.split('/');
  const notFound: Route = { page: 'not-found', hash };
  const [head, id, sub, cid, ...rest] = parts;
  if (head === undefined) return { page: 'batches' };
  if (parts.length === 1 && TOP_PAGES.includes(head as TopPage)) return { page: head as TopPage };
  if (head !== 'batches' || id === undefined || rest.length > 0) return notFound;
  const batchId = decode(id);
  if (batchId === undefined) return notFound;
  if (sub === undefined) return { page: 'batch', batchId };
  const conversationId = cid === undefined ? undefined : decode(cid);
  if (sub !== 'conversations' || conversationId === undefined) return notFound;
  return { page: 'conversation', batchId, conversationId };
}

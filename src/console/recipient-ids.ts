/** Ids per request of `POST /v1/suppressions`; a longer list goes through the CLI's import. */
export const MAX_IDS_PER_REQUEST = 10_000;
/** The API's limit on one recipient id (RECIPIENT_ID_MAX_LENGTH). */
export const RECIPIENT_ID_MAX_LENGTH = 256;

export interface ParsedRecipientIds {
  /** Trimmed, without empty lines or repeats, in the order given. */
  ids: string[];
  /** `line N: what is wrong`, one per bad line; nothing is sent while there are any. */
  problems: string[];
}

/**
 * The "Recipient IDs" box: one id per line. Blank lines are skipped and repeats kept once; a
 * line the API would refuse is reported with its line number, so the user can fix it in place.
 */
export function parseRecipientIds(text: string): ParsedRecipientIds {
  const ids: string[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const id = raw.trim();
    if (id === '') return;
    if (id.length > RECIPIENT_ID_MAX_LENGTH) {
      problems.push(`line ${index + 1}: longer than ${RECIPIENT_ID_MAX_LENGTH} characters`);
      return;
    }
    if (seen.has(id)) return;
    seen.add(id);
    ids.push(id);
  });
  if (ids.length > MAX_IDS_PER_REQUEST)
    problems.push(
      `${ids.length.toLocaleString('en')} ids: at most ${MAX_IDS_PER_REQUEST.toLocaleString('en')} ` +
        'at a time (use chatbatch suppress import for a longer list)',
    );
  return { ids, problems };
}

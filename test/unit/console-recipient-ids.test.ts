import { describe, expect, it } from 'vitest';
import {
  MAX_IDS_PER_REQUEST,
  parseRecipientIds,
  RECIPIENT_ID_MAX_LENGTH,
} from '../../src/console/recipient-ids.js';
import { RECIPIENT_ID_MAX_LENGTH as SERVER_MAX_LENGTH } from '../../src/shared/records.js';

describe('the Recipient IDs box of the suppression list', () => {
  it('takes one id per line, trimmed, without blank lines or repeats', () => {
    expect(parseRecipientIds(' +15550100 \r\n\njane@example.com\n+15550100\r\n  \n')).toEqual({
      ids: ['+15550100', 'jane@example.com'],
      problems: [],
    });
    expect(parseRecipientIds('')).toEqual({ ids: [], problems: [] });
  });

  it('reports a line the API would refuse by its number', () => {
    const long = 'x'.repeat(RECIPIENT_ID_MAX_LENGTH + 1);
    const { ids, problems } = parseRecipientIds(`ok-1\n\n${long}\nok-2`);
    expect(ids).toEqual(['ok-1', 'ok-2']);
    expect(problems).toEqual([`line 3: longer than ${RECIPIENT_ID_MAX_LENGTH} characters`]);
    expect(parseRecipientIds('x'.repeat(RECIPIENT_ID_MAX_LENGTH)).problems).toEqual([]);
  });

  it("keeps to the API's limits", () => {
    expect(RECIPIENT_ID_MAX_LENGTH).toBe(SERVER_MAX_LENGTH);
    const many = Array.from({ length: MAX_IDS_PER_REQUEST + 1 }, (_, i) => `id-${i}`).join('\n');
    expect(parseRecipientIds(many).problems).toEqual([
      '10,001 ids: at most 10,000 at a time (use chatbatch suppress import for a longer list)',
    ]);
  });
});

import { z } from 'zod';
import {
  FREQUENCY_CAP_RULE,
  FrequencyCapError,
  parseFrequencyCap,
  type FrequencyCap,
} from '../../../shared/frequency-cap.js';

/**
 * The batch's frequency cap, as the CLI takes it: `N/PERIOD` (e.g. `1/7d`), or `none` for no cap
 * even when CHATBATCH_FREQUENCY_CAP sets a default. Absent: the default.
 */
export const frequencyCapSchema = z
  .string()
  .transform((text, ctx): FrequencyCap | 'none' => {
    if (text.trim().toLowerCase() === 'none') return 'none';
    try {
      return parseFrequencyCap(text);
    } catch (error) {
      if (!(error instanceof FrequencyCapError)) throw error;
      ctx.addIssue({ code: 'custom', message: FREQUENCY_CAP_RULE });
      return z.NEVER;
    }
  })
  .describe(
    'at most N conversations started per recipient in PERIOD, across every batch: "1/7d", ' +
      '"3/24h"; "none" for no cap; default CHATBATCH_FREQUENCY_CAP',
  );

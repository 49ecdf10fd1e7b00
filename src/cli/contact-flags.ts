import {
  FrequencyCapError,
  parseFrequencyCap,
  type FrequencyCap,
} from '../shared/frequency-cap.js';
import { CliError, EXIT } from './exit-codes.js';

/** `--frequency-cap N/PERIOD|none`: undefined when not given (the default applies). */
export function frequencyCapFlag(value: string | undefined): FrequencyCap | null | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'none') return null;
  try {
    return parseFrequencyCap(value);
  } catch (error) {
    if (error instanceof FrequencyCapError)
      throw new CliError(`--frequency-cap: ${error.message}`, EXIT.usage);
    throw error;
  }
}

import { MAX_WEIGHT, PRIORITIES, type Priority } from '../store/lane-store.js';
import { CliError, EXIT } from './exit-codes.js';

/** `--priority high|normal|low`: undefined when not given (normal). */
export function priorityFlag(value: string | undefined): Priority | undefined {
  if (value === undefined) return undefined;
  const priority = value.trim().toLowerCase();
  if (!(PRIORITIES as readonly string[]).includes(priority))
    throw new CliError('--priority: must be high, normal or low', EXIT.usage);
  return priority as Priority;
}

/** `--weight N`: a whole number from 1 to MAX_WEIGHT; undefined when not given (1). */
export function weightFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const weight = Number(value);
  if (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT)
    throw new CliError(`--weight: must be a whole number from 1 to ${MAX_WEIGHT}`, EXIT.usage);
  return weight;
}

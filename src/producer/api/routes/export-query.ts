import type { z } from 'zod';
import type { CsvResultOptions, ResultFormat } from '../../results-export.js';
import { ApiError } from '../errors.js';
import type { resultsQuerySchema } from '../schemas/batches.js';

/**
 * The format and CSV options of an export request (results, rejected rows); `delimiter` and
 * `bom` with JSONL are a mistake worth saying, not something to ignore.
 */
export function exportQuery(query: z.infer<typeof resultsQuerySchema>): {
  format: ResultFormat;
  csv: CsvResultOptions;
} {
  const { format, delimiter, bom } = query;
  if (format !== 'csv' && (delimiter !== undefined || bom !== undefined))
    throw new ApiError('invalid_request', 'delimiter and bom apply to format=csv');
  return { format, csv: { delimiter, bom } };
}

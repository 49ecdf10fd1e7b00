export { readCsvRows, type ReadCsvRowsOptions } from './read-csv-rows.js';
export type { CsvRow } from './csv-row.js';
export { CsvFileError } from './csv-file-error.js';
export { conversationIdForLine } from './conversation-rules.js';
export { delimiterProblem } from './delimiter.js';
export { isIanaTimeZone } from './time-zones.js';
export { CSV_LIMITS } from './limits.js';
export { KNOWN_COLUMNS, type KnownColumn } from './header-layout.js';

export { readCsvRows, type ReadCsvRowsOptions } from './read-csv-rows.js';
export type { CsvRow } from './csv-row.js';
export { CsvFileError } from './csv-file-error.js';
export { conversationIdForLine } from './csv-row.js';
export { delimiterProblem } from './file-rules.js';
export { delimiterFromName, delimiterLabel, detectDelimiter } from './delimiter.js';
export { CsvReadNotes } from './read-notes.js';
export { KNOWN_COLUMNS, RESERVED_COLUMNS, type KnownColumn } from './header-layout.js';

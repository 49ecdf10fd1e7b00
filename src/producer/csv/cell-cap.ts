import type { Parser } from 'csv-parse';

/** The part of csv-parse's internal parser object that the cap needs (not in its typings). */
interface ParserInternals {
  state: { record: unknown[] };
  __onField(): unknown;
  __resetField(): void;
}

/** The cap of one parser: how many cells a record may keep, and how many were dropped. */
export interface CellCap {
  /** Sets the most cells a record keeps (the header's count plus one, once it is known). */
  setLimit(cells: number): void;
  /** Cells dropped from the record that just ended; resets the count. */
  takeDropped(): number;
}

/**
 * Stops csv-parse from collecting more than a limit of cells per record. csv-parse has no such
 * option, and its `max_record_size` counts characters, not cells: a 200 MB line of commas
 * would become a 200-million-cell array (and be copied again into the error it raises). A
 * record with more cells than the header is refused anyway, so cells past `header + 1` carry
 * nothing but their count, which is kept for the message.
 *
 * This wraps an internal method of csv-parse 6 (`api.__onField`, called once per cell: keep
 * the wrapper this small, it is the parser's hottest path); if a new version renames it, this
 * throws at once rather than the limit silently going away.
 */
export function capCellsPerRecord(parser: Parser, initialLimit: number): CellCap {
  const api = (parser as unknown as { api?: Partial<ParserInternals> }).api;
  if (
    api === undefined ||
    typeof api.__onField !== 'function' ||
    typeof api.__resetField !== 'function' ||
    !Array.isArray(api.state?.record)
  ) {
    throw new Error('csv-parse internals changed: cannot cap the cells of a record');
  }
  const internals = api as ParserInternals;
  const addField = internals.__onField;
  let limit = initialLimit;
  let dropped = 0;
  internals.__onField = function cappedOnField(this: ParserInternals) {
    if (this.state.record.length < limit) return addField.call(this);
    dropped++;
    this.__resetField();
    return undefined;
  };
  return {
    setLimit(cells) {
      limit = cells;
    },
    takeDropped() {
      const count = dropped;
      dropped = 0;
      return count;
    },
  };
}

/**
 * Rules every text field of a conversation follows, whether it came from a CSV cell or a JSON
 * body: the text must be sendable as given, and dynamic variables have bounds. Row-level
 * messages start with the field they are about, like the other validation messages.
 */

/** Limits of dynamic variables: they are stored with each turn and sent on every request. */
export const VARIABLE_LIMITS = Object.freeze({
  /** Variables of one row (a CSV row's non-empty variable cells; a JSON conversation's). */
  perRow: 100,
  /** Characters (UTF-16 code units) of a variable name. */
  nameMax: 128,
  /** Characters of a variable value. */
  valueMax: 4096,
});

/** Variable problems listed one by one per row before the rest are only counted. */
const MAX_LISTED_VARIABLE_PROBLEMS = 5;

const LONE_SURROGATE = 'not valid Unicode (an unpaired UTF-16 surrogate)';
const NOT_UTF8 = 'not valid UTF-8';

/**
 * Why `text` cannot be stored and sent as given, or undefined:
 * - U+FFFD is how a decoder shows bytes that were not UTF-8 (csv-parse and fastify's JSON body
 *   both decode that way). A text that really contains U+FFFD is refused too: that character
 *   only ever stands for lost text.
 * - An unpaired UTF-16 surrogate (`"\ud800"` in JSON) has no UTF-8 form: Redis would store it
 *   as U+FFFD, so `"cust\ud800"` and `"cust\udbff"` would name one conversation.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes('\uFFFD')) return NOT_UTF8;
  if (!text.isWellFormed()) return LONE_SURROGATE;
  return undefined;
}

/** A value for a message: at most `max` characters, and always well-formed. */
export function shown(text: string, max = 64): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut.toWellFormed());
}

/**
 * Conversation ids chatbatch gives conversations sent without one: `line-<n>` (a CSV row, by
 * its line) and `conv-<n>` (a JSON conversation, by its index). An explicit id of that form
 * could name another conversation of the same batch (a later file without ids, another
 * request), and one of them would be taken for a duplicate of the other and dropped.
 */
const DEFAULT_CONVERSATION_ID = /^(?:line|conv)-\d+$/;

/** Why an explicit conversation id cannot be used, or undefined (see DEFAULT_CONVERSATION_ID). */
export function reservedConversationIdProblem(id: string): string | undefined {
  return DEFAULT_CONVERSATION_ID.test(id)
    ? `${JSON.stringify(id)} has the form of an id chatbatch gives conversations sent without one (line-<n>, conv-<n>); choose another`
    : undefined;
}

/** Why a variable's value cannot be sent, or undefined. */
export function variableValueProblem(value: string): string | undefined {
  return (
    textProblem(value) ??
    (value.length > VARIABLE_LIMITS.valueMax
      ? `longer than ${VARIABLE_LIMITS.valueMax} characters`
      : undefined)
  );
}

/** Why a variable's name cannot be sent, as the end of a sentence, or undefined. */
export function variableNameProblem(name: string): string | undefined {
  const problem = textProblem(name);
  if (problem !== undefined) return `is ${problem}`;
  if (name.length > VARIABLE_LIMITS.nameMax)
    return `${shown(name)} is longer than ${VARIABLE_LIMITS.nameMax} characters`;
  return undefined;
}

/** The message for a row with more variables than allowed. */
export function tooManyVariables(field: string, count: number): string {
  return `${field}: ${count} variables, more than ${VARIABLE_LIMITS.perRow}`;
}

/**
 * The problems of one JSON item's dynamic variables, each starting with `field`; a value's
 * problem names it (`dynamicVariables.name: …`). CSV checks names once with the header and
 * values per row (row-builder.ts), with the same rules.
 */
export function variableErrors(variables: Record<string, string>, field: string): string[] {
  const errors: string[] = [];
  const names = Object.keys(variables);
  if (names.length > VARIABLE_LIMITS.perRow) errors.push(tooManyVariables(field, names.length));
  let problems = 0;
  const note = (message: string) => {
    if (++problems <= MAX_LISTED_VARIABLE_PROBLEMS) errors.push(message);
  };
  for (const name of names) {
    const nameProblem = variableNameProblem(name);
    if (nameProblem !== undefined) {
      note(`${field}: a variable name ${nameProblem}`);
      continue;
    }
    const valueProblem = variableValueProblem(variables[name]!);
    if (valueProblem !== undefined) note(`${field}.${name}: ${valueProblem}`);
  }
  if (problems > MAX_LISTED_VARIABLE_PROBLEMS) {
    errors.push(
      `${field}: ${problems - MAX_LISTED_VARIABLE_PROBLEMS} more variables with problems`,
    );
  }
  return errors;
}

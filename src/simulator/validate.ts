/**
 * Validation of a `POST /v1/chats` body as the vendor documents it (docs/reference/contract.md, limits
 * paragraph). Hand-written rather than zod because it runs on every request of benchmarks at
 * 10k+ requests/s, and the messages name the field so a test failure is easy to read.
 */

/** Longest `agentId`, in characters. */
export const MAX_AGENT_ID_CHARS = 64;
/** Longest `input`, in characters. */
export const MAX_INPUT_CHARS = 20_480;
/** Longest `previousChatId`, in characters. */
export const MAX_PREVIOUS_CHAT_ID_CHARS = 128;

/** A dynamic variable's value: the vendor accepts flat scalars only. */
export type DynamicValue = string | number | boolean;

/** A body that passed validation. */
export interface ChatRequest {
  readonly agentId: string;
  readonly input: string;
  readonly dynamicVariables?: Readonly<Record<string, DynamicValue>>;
  readonly previousChatId?: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly request: ChatRequest }
  | { readonly ok: false; readonly message: string };

const KNOWN_KEYS = new Set(['agentId', 'input', 'dynamicVariables', 'previousChatId']);

/**
 * Length in Unicode characters (code points), as the docs speak of "chars". Only counted when
 * the UTF-16 length is over the limit, since the code-point count can only be smaller.
 */
function charsAtMost(value: string, max: number): boolean {
  if (value.length <= max) return true;
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // A high surrogate followed by a low one is a single character.
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    if (++count > max) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkString(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): string | undefined {
  const value = body[key];
  if (typeof value !== 'string') return `${key}: must be a string`;
  if (value.length < min) return `${key}: must not be empty`;
  if (!charsAtMost(value, max)) return `${key}: must be at most ${max} characters`;
  return undefined;
}

function checkDynamicVariables(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'dynamicVariables: must be an object';
  for (const key of Object.keys(value)) {
    const v = value[key];
    const type = typeof v;
    if (type === 'string' || type === 'boolean') continue;
    // JSON.parse never yields NaN/Infinity, but a direct caller could hand them in.
    if (type === 'number' && Number.isFinite(v)) continue;
    return `dynamicVariables.${key}: must be a string, number or boolean`;
  }
  return undefined;
}

/** Checks a parsed JSON body. Unknown top-level keys are rejected, as the vendor does. */
export function validateChatRequest(body: unknown): ValidationResult {
  if (!isPlainObject(body)) return { ok: false, message: 'body: must be a JSON object' };
  for (const key of Object.keys(body)) {
    if (!KNOWN_KEYS.has(key)) return { ok: false, message: `${key}: unknown field` };
  }
  const problem =
    checkString(body, 'agentId', 1, MAX_AGENT_ID_CHARS) ??
    checkString(body, 'input', 1, MAX_INPUT_CHARS) ??
    (body.dynamicVariables === undefined
      ? undefined
      : checkDynamicVariables(body.dynamicVariables)) ??
    (body.previousChatId === undefined
      ? undefined
      : checkString(body, 'previousChatId', 1, MAX_PREVIOUS_CHAT_ID_CHARS));
  if (problem !== undefined) return { ok: false, message: problem };
  // The checks above proved these types; the cast avoids copying the object on the hot path.
  return { ok: true, request: body as unknown as ChatRequest };
}

/**
 * Whether a Content-Type header names JSON (`application/json`, any parameters such as
 * `charset`, any letter case).
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semi = header.indexOf(';');
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json';
}

import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import type { ApiIssue } from './errors.js';

/** A body, query or path that does not match its zod schema: a 400 with zod's issues. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  readonly statusCode = 400;

  constructor(
    /** `body`, `querystring`, `params` or `headers`. */
    readonly part: string,
    readonly issues: ApiIssue[],
  ) {
    const first = issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    super(
      `invalid ${part === 'querystring' ? 'query' : part}: ${first?.message ?? 'does not match the schema'}${where}` +
        (issues.length > 1 ? ` (and ${issues.length - 1} more issues)` : ''),
    );
  }
}

/** Keep this many issues at most: a 10 MB body of wrong types must not answer 100 MB. */
const MAX_ISSUES = 100;

export function toIssues(error: z.ZodError): ApiIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    code: issue.code,
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
  }));
}

/**
 * Fastify's validator for zod schemas (like fastify-type-provider-zod's, whose serializer and
 * OpenAPI transform we use), keeping each issue's path as an array rather than a JSON pointer.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(httpPart ?? 'request', toIssues(result.error)) };
  };

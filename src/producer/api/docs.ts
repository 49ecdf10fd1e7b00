import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { $ZodType } from 'zod/v4/core';
import { tidySchemaComponents } from './openapi-components.js';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * The zod plugin's transform, plus request bodies of several content types (`POST /v1/batches`
 * takes JSON, CSV and multipart, and fastify parses only the JSON): a route lists them in
 * `config.openapiBody`, as zod schemas or plain JSON schemas.
 */
function transform(input: TransformInput) {
  const result = jsonSchemaTransform(input);
  const bodies = (input.route as { config?: { openapiBody?: Record<string, unknown> } }).config
    ?.openapiBody;
  if (!bodies || result.schema.hide) return result;
  const content: Record<string, { schema: unknown }> = {};
  for (const [mediaType, schema] of Object.entries(bodies)) {
    content[mediaType] = {
      schema:
        schema instanceof $ZodType
          ? (
              jsonSchemaTransform({ ...input, schema: { body: schema } }).schema as {
                body: unknown;
              }
            ).body
          : schema,
    };
  }
  return { ...result, schema: { ...result.schema, body: { content } } };
}

/**
 * The OpenAPI document, generated from the routes' zod schemas, at `/docs/json` (and
 * `/docs/yaml`), with Swagger UI at `/docs`. Register before the routes: swagger collects
 * them as they are added.
 */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'chatbatch API',
        description:
          'Submit, follow, continue and control batches of conversations with SigmaMind AI ' +
          'agents. Every route but /healthz, /readyz and /metrics needs `Authorization: Bearer ' +
          '<token>` (a token of CHATBATCH_API_TOKENS). Errors are `{error, message, issues?}`.',
        version,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'batches', description: 'submit and read batches' },
        { name: 'control', description: 'cancel, pause, resume, retry' },
        { name: 'conversations', description: 'read and continue one conversation' },
        { name: 'health', description: 'open: liveness, readiness, metrics' },
      ],
    },
    transform,
    transformObject: (document) =>
      tidySchemaComponents(
        jsonSchemaTransformObject(document) as Parameters<typeof tidySchemaComponents>[0],
      ) as ReturnType<typeof jsonSchemaTransformObject>,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

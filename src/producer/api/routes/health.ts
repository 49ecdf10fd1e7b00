import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../context.js';
import { errorSchema } from '../schemas/common.js';

/** Health, readiness and metrics: open without a token, they carry no customer data. */
export function registerHealthRoutes(app: ZodApp, ctx: ApiContext, registry: Registry): void {
  const open = { public: true } as const;

  app.get(
    '/healthz',
    {
      config: open,
      schema: {
        tags: ['health'],
        summary: 'The process is alive',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: open,
      schema: {
        tags: ['health'],
        summary: 'Redis answers and accepts writes (503 otherwise; 507 when Redis is full)',
        security: [],
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: errorSchema,
          507: errorSchema,
        },
      },
    },
    async (_request, reply) => {
      const problem = await ctx.readiness.check();
      if (!problem) return { status: 'ready' as const };
      if (problem.statusCode === 503) reply.header('retry-after', '5');
      return reply
        .code(problem.statusCode as 503 | 507)
        .send({ error: problem.code, message: problem.message });
    },
  );

  app.get(
    '/metrics',
    {
      config: open,
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text format)',
        security: [],
        response: {
          200: { description: 'metrics', content: { 'text/plain': { schema: z.string() } } },
        },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

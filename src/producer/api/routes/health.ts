import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../context.js';
import { errorSchema } from '../schemas/common.js';

/** /readyz answers within this, Redis or not, in ms (a probe must not hang). */
const READY_TIMEOUT_MS = 1000;

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
        summary: 'Redis answers (503 otherwise)',
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }), 503: errorSchema },
      },
    },
    async (_request, reply) => {
      if (await redisAnswers(ctx)) return { status: 'ready' as const };
      return reply.code(503).header('retry-after', '5').send({
        error: 'redis_unavailable',
        message: 'Redis does not answer',
      });
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

async function redisAnswers(ctx: ApiContext): Promise<boolean> {
  if (ctx.redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ctx.redis.ping().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { buildApp } from '../../../src/producer/api/app.js';
import type { ZodApp } from '../../../src/producer/api/context.js';
import { DEFAULT_CONSOLE_ROOT } from '../../../src/producer/api/console/console-assets.js';
import { createLogger } from '../../../src/shared/logger.js';
import { createMetrics } from '../../../src/shared/metrics.js';
import type { SimulatorOptions } from '../../../src/simulator/index.js';
import { createPipeline, type Pipeline } from '../../helpers/pipeline.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface ConsoleStack {
  pipeline: Pipeline;
  app: ZodApp;
  /** `http://127.0.0.1:<port>`: the console is at `${base}/`. */
  base: string;
  token: string;
  /** An authenticated call of the API, outside the browser. */
  call(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The whole stack on loopback: the simulator, the real Redis under a unique prefix, an
 * in-process worker and the API (with the built console) on a free port.
 */
export async function startConsoleStack(options: {
  label: string;
  token: string;
  simulator: SimulatorOptions;
  env?: Record<string, string>;
}): Promise<ConsoleStack> {
  if (!existsSync(path.join(DEFAULT_CONSOLE_ROOT, 'index.html')))
    throw new Error(`the console is not built in ${DEFAULT_CONSOLE_ROOT}: run npm run build`);
  const pipeline = await createPipeline({
    label: options.label,
    simulator: options.simulator,
    env: options.env,
  });
  const app = await buildApp({
    config: { ...pipeline.config, apiTokens: [options.token] },
    services: pipeline.producer,
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    logger: createLogger('silent'),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    pipeline,
    app,
    base,
    token: options.token,
    call(method, path, body) {
      return fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    async close() {
      await app.close();
      await pipeline.close();
    },
  };
}

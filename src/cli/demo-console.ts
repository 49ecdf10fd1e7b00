import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { buildApp } from '../producer/api/app.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { openServices } from '../services.js';

export interface DemoConsole {
  /** The console's address, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** The random token to sign in with (good for this run only). */
  token: string;
  close(): Promise<void>;
}

/**
 * The API with its web console, for the demo: on loopback only, with a token drawn for this
 * run, on `API_PORT` when it is set in the environment, else on any free port.
 */
export async function startDemoConsole(deps: {
  config: Config;
  logger: Logger;
  /** The API_PORT variable as given, or undefined (then any free port). */
  apiPortVariable: string | undefined;
}): Promise<DemoConsole> {
  const token = `demo-${randomBytes(12).toString('base64url')}`;
  const services = await openServices(deps.config, 'api', { logger: deps.logger });
  try {
    const app = await buildApp({
      config: { ...deps.config, apiTokens: [token] },
      services,
      metrics: createMetrics(new Registry(), { defaultMetrics: false }),
      logger: deps.logger,
    });
    const port = deps.apiPortVariable === undefined ? 0 : deps.config.apiPort;
    await app.listen({ port, host: '127.0.0.1' });
    const bound = (app.server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${bound}/`,
      token,
      async close() {
        try {
          await app.close();
        } finally {
          await services.close();
        }
      },
    };
  } catch (error) {
    await services.close();
    throw error;
  }
}

/** Resolves on the first Ctrl-C (SIGINT) or SIGTERM. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

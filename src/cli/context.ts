import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { createTerminalLogger, type Logger } from '../shared/logger.js';
import { openServices, RedisUnreachableError, type Services } from '../services.js';
import { CliError } from './exit-codes.js';
import {
  isTransientRedisError,
  retryTransient,
  type RetryTransientOptions,
} from '../shared/redis-retry.js';

/** Reads the environment with flag overrides (flags win), or ends with exit 1 and the rule. */
export function configFrom(overrides: Record<string, string | number | undefined> = {}): Config {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== undefined) env[name] = String(value);
  }
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Logs go to stderr so that stdout stays clean for --json and results: human-readable on a
 * terminal, JSON lines otherwise.
 */
export function cliLogger(config: Config): Logger {
  return createTerminalLogger(config.logLevel, process.stderr);
}

/** What one-shot commands (ingest, status, results, control, schedule) share. */
export type ProducerContext = Services;

/** The services of a one-shot command: Redis must answer now, or the command exits 1. */
export async function openProducer(config: Config): Promise<ProducerContext> {
  try {
    return await openServices(config, 'cli');
  } catch (error) {
    if (error instanceof RedisUnreachableError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * The services of a long-running poller (`status --wait`/`--watch`): a Redis that does not
 * answer yet is waited for until `retry.deadline`, then the command exits 1 like a one-shot.
 */
export async function openProducerRetrying(
  config: Config,
  retry: Omit<RetryTransientOptions, 'isTransient'>,
): Promise<ProducerContext> {
  try {
    return await retryTransient(() => openServices(config, 'cli'), {
      ...retry,
      isTransient: (error) =>
        error instanceof RedisUnreachableError || isTransientRedisError(error),
    });
  } catch (error) {
    if (error instanceof RedisUnreachableError) throw new CliError(error.message);
    throw error;
  }
}

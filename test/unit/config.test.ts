import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/shared/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      prefix: 'chatbatch',
      sigmamindBaseUrl: 'https://api.sigmamind.ai',
      sigmamindApiKey: undefined,
      concurrency: 50,
      rateLimit: 0,
      adaptive: true,
      maxAttempts: 5,
      backoffMs: 1000,
      requestTimeoutMs: 30_000,
      metricsPort: 9464,
      apiPort: 3000,
      apiTokens: [],
      logLevel: 'info',
      retentionSeconds: 7 * 86_400,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.apiTokens)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://redis.internal:6380/2',
      CHATBATCH_PREFIX: 'team-a',
      SIGMAMIND_BASE_URL: 'http://127.0.0.1:4010/',
      SIGMAMIND_API_KEY: 'key',
      CHATBATCH_CONCURRENCY: '500',
      CHATBATCH_RATE_LIMIT: '200',
      CHATBATCH_MAX_ATTEMPTS: '3',
      CHATBATCH_BACKOFF_MS: '250',
      CHATBATCH_REQUEST_TIMEOUT_MS: '5000',
      METRICS_PORT: '0',
      API_PORT: '8080',
      CHATBATCH_API_TOKENS: ' a , b,,',
      LOG_LEVEL: 'debug',
      CHATBATCH_RETENTION_DAYS: '0.5',
    });
    expect(config).toMatchObject({
      prefix: 'team-a',
      sigmamindBaseUrl: 'http://127.0.0.1:4010',
      concurrency: 500,
      rateLimit: 200,
      maxAttempts: 3,
      backoffMs: 250,
      requestTimeoutMs: 5000,
      metricsPort: 0,
      apiPort: 8080,
      apiTokens: ['a', 'b'],
      logLevel: 'debug',
      retentionSeconds: 43_200,
    });
  });

  it('CHATBATCH_ADAPTIVE is on unless off (any case)', () => {
    expect(loadConfig({ CHATBATCH_ADAPTIVE: 'off' }).adaptive).toBe(false);
    expect(loadConfig({ CHATBATCH_ADAPTIVE: ' OFF ' }).adaptive).toBe(false);
    expect(loadConfig({ CHATBATCH_ADAPTIVE: 'on' }).adaptive).toBe(true);
    expect(loadConfig({ CHATBATCH_ADAPTIVE: '' }).adaptive).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ CHATBATCH_CONCURRENCY: '', SIGMAMIND_API_KEY: '' })).toMatchObject({
      concurrency: 50,
      sigmamindApiKey: undefined,
    });
  });

  it.each([
    ['CHATBATCH_CONCURRENCY', 'abc', 'whole number'],
    ['CHATBATCH_CONCURRENCY', '0', 'at least 1'],
    ['CHATBATCH_RATE_LIMIT', '-5', 'whole number'],
    ['CHATBATCH_MAX_ATTEMPTS', '1.5', 'whole number'],
    ['METRICS_PORT', '70000', 'at most 65535'],
    ['REDIS_URL', 'http://localhost', 'redis://'],
    ['SIGMAMIND_BASE_URL', 'not a url', 'http://'],
    ['CHATBATCH_PREFIX', 'has space', 'letters, digits'],
    ['CHATBATCH_PREFIX', 'a{b}', 'hash tag'],
    ['LOG_LEVEL', 'loud', 'one of'],
    ['CHATBATCH_ADAPTIVE', 'maybe', 'on or off'],
    ['CHATBATCH_RETENTION_DAYS', '0', 'greater than 0'],
  ])('%s=%s names the variable and the rule', (name, value, rule) => {
    const [problem, ...rest] = problems({ [name]: value });
    expect(rest).toEqual([]);
    expect(problem).toContain(name);
    expect(problem).toContain(rule);
  });

  it('reports every bad variable at once', () => {
    expect(problems({ CHATBATCH_CONCURRENCY: 'x', API_PORT: 'y' })).toHaveLength(2);
  });

  it('never echoes a secret value in its errors', () => {
    const error = (() => {
      try {
        loadConfig({ SIGMAMIND_API_KEY: 'sk-secret', CHATBATCH_CONCURRENCY: 'sk-secret' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).not.toContain('sk-secret');
  });
});

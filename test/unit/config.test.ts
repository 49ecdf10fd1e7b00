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

  it('CHATBATCH_ADAPTIVE is on unless off (any case), read as every other switch', () => {
    expect(loadConfig({ CHATBATCH_ADAPTIVE: 'off' }).adaptive).toBe(false);
    expect(loadConfig({ CHATBATCH_ADAPTIVE: ' OFF ' }).adaptive).toBe(false);
    expect(loadConfig({ CHATBATCH_ADAPTIVE: 'false' }).adaptive).toBe(false);
    expect(loadConfig({ CHATBATCH_ADAPTIVE: '0' }).adaptive).toBe(false);
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

describe('loadConfig: webhooks', () => {
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('defaults: no URL, no secret, 72 h max age, private addresses refused, 5 s base', () => {
    expect(loadConfig({})).toMatchObject({
      webhookUrl: undefined,
      webhookSecrets: [],
      webhookMaxAgeSeconds: 72 * 3600,
      webhookAllowPrivate: false,
      webhookBackoffMs: 5000,
    });
  });

  it('reads the URL, several secrets, a max age with a unit and the private switch', () => {
    const config = loadConfig({
      CHATBATCH_WEBHOOK_URL: 'https://hooks.example.com/chatbatch?token=abc',
      CHATBATCH_WEBHOOK_SECRET: `${SECRET} whsec_dGVzdC1zZWNyZXQtdHdv`,
      CHATBATCH_WEBHOOK_MAX_AGE: '30m',
      CHATBATCH_WEBHOOK_ALLOW_PRIVATE: 'on',
      CHATBATCH_WEBHOOK_BACKOFF_MS: '50',
    });
    expect(config.webhookUrl).toBe('https://hooks.example.com/chatbatch?token=abc');
    expect(config.webhookSecrets).toHaveLength(2);
    expect(config.webhookMaxAgeSeconds).toBe(1800);
    expect(config.webhookAllowPrivate).toBe(true);
    expect(config.webhookBackoffMs).toBe(50);
    expect(JSON.stringify(config)).not.toContain('MfKQ9r8');
  });

  it.each([
    ['72h', 259_200],
    ['45s', 45],
    ['2d', 172_800],
    ['90', 90],
    ['1.5h', 5400],
  ])('CHATBATCH_WEBHOOK_MAX_AGE=%s is %i seconds', (value, seconds) => {
    expect(loadConfig({ CHATBATCH_WEBHOOK_MAX_AGE: value }).webhookMaxAgeSeconds).toBe(seconds);
  });

  it.each([
    ['CHATBATCH_WEBHOOK_URL', 'ftp://hooks.example.com/x', 'http://'],
    ['CHATBATCH_WEBHOOK_URL', 'https://user:pw@hooks.example.com/', 'user name or password'],
    ['CHATBATCH_WEBHOOK_SECRET', 'not-a-whsec', 'whsec_'],
    ['CHATBATCH_WEBHOOK_MAX_AGE', '3 weeks', 'duration'],
    ['CHATBATCH_WEBHOOK_MAX_AGE', '31d', 'at most 30d'],
    ['CHATBATCH_WEBHOOK_ALLOW_PRIVATE', 'maybe', 'on or off'],
  ])('%s=%s names the variable and the rule', (name, value, rule) => {
    const found = problems({ CHATBATCH_WEBHOOK_SECRET: SECRET, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(name);
    expect(found[0]).toContain(rule);
  });

  it('requires a secret when a default webhook URL is set, naming the variable', () => {
    const [problem, ...rest] = problems({ CHATBATCH_WEBHOOK_URL: 'https://hooks.example.com/' });
    expect(rest).toEqual([]);
    expect(problem).toContain('CHATBATCH_WEBHOOK_SECRET');
    expect(problem).toContain('required');
  });
});

describe('loadConfig: fair lanes switch', () => {
  it('is on by default, off with CHATBATCH_FAIR_LANES=off, and refuses other words', () => {
    expect(loadConfig({}).fairLanes).toBe(true);
    expect(loadConfig({ CHATBATCH_FAIR_LANES: 'off' }).fairLanes).toBe(false);
    expect(loadConfig({ CHATBATCH_FAIR_LANES: 'on' }).fairLanes).toBe(true);
    expect(() => loadConfig({ CHATBATCH_FAIR_LANES: 'maybe' })).toThrow(/CHATBATCH_FAIR_LANES/);
  });
});

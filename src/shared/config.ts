import { z } from 'zod';
import { REDIS_URL_RULE, isValidRedisUrl } from './redis-url.js';
import { FREQUENCY_CAP_RULE, parseFrequencyCap, type FrequencyCap } from './frequency-cap.js';
import { optOutWordList } from './opt-out.js';
import {
  parseDurationSeconds,
  parseSwitch,
  parseWebhookSecrets,
  webhookUrlProblem,
  type WebhookSecret,
} from './webhook-settings.js';

/**
 * The whole configuration of a chatbatch process, read once from the environment
 * (docs/reference/contract.md, "Environment"), validated, then frozen. Command-line flags override it
 * by being merged into the env object before `loadConfig` runs.
 */
export interface Config {
  /** Redis (or Valkey/Dragonfly) URL. Default `redis://127.0.0.1:6379`. */
  readonly redisUrl: string;
  /** Namespace of every key and queue. Default `chatbatch`. */
  readonly prefix: string;
  /** Vendor base URL; requests go to `{base}/v1/chats`. Default `https://api.sigmamind.ai`. */
  readonly sigmamindBaseUrl: string;
  /** Sent as `X-API-Key`; required by `worker`. Never logged. */
  readonly sigmamindApiKey: string | undefined;
  /** In-flight requests per worker process. Default 50. */
  readonly concurrency: number;
  /** Request starts per second across all workers; 0 = none. Default 0. */
  readonly rateLimit: number;
  /**
   * Adaptive pacing (src/worker/pacing): after a vendor 429 the fleet lowers its rate and probes
   * back up, `rateLimit` staying the ceiling. `CHATBATCH_ADAPTIVE=off` gives the fixed limit,
   * where every 429 pauses every worker. Default on.
   */
  readonly adaptive: boolean;
  /** Attempts per turn before it fails. Default 5. */
  readonly maxAttempts: number;
  /** Base of the exponential backoff, in ms. Default 1000. */
  readonly backoffMs: number;
  /** Per-attempt timeout, in ms. Default 30000. */
  readonly requestTimeoutMs: number;
  /** Worker's `/metrics` port; 0 = any free port. Default 9464. */
  readonly metricsPort: number;
  /** Port of `chatbatch api`. Default 3000. */
  readonly apiPort: number;
  /** Bearer tokens accepted by the API. Default none. Never logged. */
  readonly apiTokens: readonly string[];
  /**
   * What is weak about CHATBATCH_API_TOKENS (empty entries, tokens under 16 characters), for
   * `chatbatch api` to warn about at start; never holds a token.
   */
  readonly apiTokenWarnings: readonly string[];
  /** pino level. Default `info`. */
  readonly logLevel: string;
  /** How long a batch's results are kept after its last write, in seconds. Default 7 days. */
  readonly retentionSeconds: number;
  /**
   * How often workers look for turns whose worker died, in ms; a dead worker's turn is
   * picked up again after at most about this long. Default 30000.
   */
  readonly stalledIntervalMs: number;
  /**
   * How often one worker looks for conversations that have no job (see the watchdog), in ms.
   * Default 60000.
   */
  readonly watchdogIntervalMs: number;
  /** Largest JSON body `chatbatch api` accepts, in bytes (env in MB). Default 10 MB. */
  readonly apiJsonLimitBytes: number;
  /** Largest CSV upload (raw or a multipart file) of `chatbatch api`, in bytes. Default 200 MB. */
  readonly apiCsvLimitBytes: number;
  /**
   * Most turns in one conversation, at ingest and when turns are appended. Bounds what one
   * conversation costs in Redis and in a results page. Default 1000.
   */
  readonly maxTurns: number;
  /**
   * The frequency cap of batches that set none (CHATBATCH_FREQUENCY_CAP, `N/PERIOD`, e.g.
   * `1/7d`). Default none: no cap.
   */
  readonly frequencyCap: FrequencyCap | undefined;
  /**
   * Inputs that are a request to stop (normalised: see shared/opt-out.ts). Default CTIA's list;
   * CHATBATCH_OPT_OUT_WORDS replaces it (comma-separated; set it to `,` for none).
   */
  readonly optOutWords: readonly string[];
  /** Webhook URL of batches that name none (`CHATBATCH_WEBHOOK_URL`). Default none. */
  readonly webhookUrl: string | undefined;
  /**
   * Signing keys (`CHATBATCH_WEBHOOK_SECRET`, `whsec_…`, space-separated); every delivery is
   * signed with each. Required when `webhookUrl` is set. Default none. Never logged.
   */
  readonly webhookSecrets: readonly WebhookSecret[];
  /** How long an event is retried before it is marked failed, in seconds. Default 72 h. */
  readonly webhookMaxAgeSeconds: number;
  /** Deliver to private, loopback and link-local addresses too. Default false. */
  readonly webhookAllowPrivate: boolean;
  /**
   * Base of the webhook retry backoff, in ms (`CHATBATCH_WEBHOOK_BACKOFF_MS`): the first retry
   * waits 0.5–1× this. Default 5000; tests lower it.
   */
  readonly webhookBackoffMs: number;
  /**
   * Longest time `chatbatch api` takes to receive a whole request, body included, in ms (Node's
   * `server.requestTimeout`, checked every 30 s, or every tenth of a shorter one); 0 = none. Default 600000 (10 minutes).
   */
  readonly apiRequestTimeoutMs: number;
  /** Longest silence in a request body, in ms; also the grace before the rate. Default 20000. */
  readonly apiBodyIdleMs: number;
  /** Average rate a request body must keep after the grace, in bytes/s; 0 = none. Default 500. */
  readonly apiBodyMinRate: number;
  /**
   * Shortest time between two firings of a recurring schedule, in ms (env: seconds, or with a
   * unit `s`, `m`, `h`, `d`). Default 1 hour.
   */
  readonly scheduleMinIntervalMs: number;
  /**
   * Queue first turns in the fair lanes (priorities, weights, fair share between batches;
   * `CHATBATCH_FAIR_LANES`). Off queues them in arrival order, as before the lanes existed (a
   * switch for comparing the two). Default true (`on`).
   */
  readonly fairLanes: boolean;
}

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const positiveNumber = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')
  .transform(Number);

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

/** A zod string rule from a parser that throws an Error with the rule as its message. */
const parsed = <T>(parse: (value: string) => T) =>
  z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const MAX_WEBHOOK_AGE_SECONDS = 30 * 86_400;
const DURATION_UNITS_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration in seconds, or with a unit: `90`, `90s`, `15m`, `1h`, `2d`; as ms. */
const duration = (minMs: number, maxMs: number, rule: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+\s*[smhd]?$/i, `must be ${rule}`)
    .transform((text) => {
      const unit = (/[smhd]$/i.exec(text)?.[0] ?? 's').toLowerCase();
      return Number.parseInt(text, 10) * DURATION_UNITS_MS[unit]!;
    })
    .pipe(z.number().min(minMs, `must be ${rule}`).max(maxMs, `must be ${rule}`));

const envSchema = z.object({
  REDIS_URL: z
    .string()
    .trim()
    .refine(isValidRedisUrl, REDIS_URL_RULE)
    .default('redis://127.0.0.1:6379'),
  CHATBATCH_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]{1,64}$/,
      'must be 1-64 characters of letters, digits, "_", "." or "-" (it becomes a Redis hash tag)',
    )
    .default('chatbatch'),
  SIGMAMIND_BASE_URL: url(['http:', 'https:']).default('https://api.sigmamind.ai'),
  SIGMAMIND_API_KEY: z.string().trim().min(1, 'must not be empty when set').optional(),
  CHATBATCH_CONCURRENCY: int(1, 10_000).default(50),
  CHATBATCH_RATE_LIMIT: int(0, 1_000_000).default(0),
  CHATBATCH_ADAPTIVE: parsed(parseSwitch).default(true),
  CHATBATCH_MAX_ATTEMPTS: int(1, 100).default(5),
  CHATBATCH_BACKOFF_MS: int(1, 3_600_000).default(1000),
  CHATBATCH_REQUEST_TIMEOUT_MS: int(100, 600_000).default(30_000),
  METRICS_PORT: int(0, 65_535).default(9464),
  API_PORT: int(0, 65_535).default(3000),
  CHATBATCH_API_TOKENS: z.string().optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  CHATBATCH_RETENTION_DAYS: positiveNumber
    .pipe(z.number().gt(0, 'must be greater than 0').max(3650, 'must be at most 3650'))
    .default(7),
  CHATBATCH_STALLED_INTERVAL_MS: int(1000, 600_000).default(30_000),
  CHATBATCH_WATCHDOG_INTERVAL_MS: int(1000, 86_400_000).default(60_000),
  CHATBATCH_API_JSON_LIMIT_MB: positiveNumber
    .pipe(z.number().gt(0, 'must be greater than 0').max(1024, 'must be at most 1024'))
    .default(10),
  CHATBATCH_API_REQUEST_TIMEOUT_MS: int(0, 86_400_000).default(600_000),
  CHATBATCH_API_BODY_IDLE_MS: int(100, 3_600_000).default(20_000),
  CHATBATCH_API_BODY_MIN_RATE: int(0, 1_000_000_000).default(500),
  CHATBATCH_SCHEDULE_MIN_INTERVAL: duration(
    1000,
    30 * 86_400_000,
    'a duration from 1 s to 30 d: seconds, or a number with s, m, h or d (e.g. 1h)',
  ).default(3_600_000),
  CHATBATCH_API_CSV_LIMIT_MB: positiveNumber
    .pipe(z.number().gt(0, 'must be greater than 0').max(65_536, 'must be at most 65536'))
    .default(200),
  CHATBATCH_MAX_TURNS: int(1, 100_000).default(1000),
  CHATBATCH_FREQUENCY_CAP: z
    .string()
    .refine((value) => {
      try {
        parseFrequencyCap(value);
        return true;
      } catch {
        return false;
      }
    }, FREQUENCY_CAP_RULE)
    .optional(),
  CHATBATCH_OPT_OUT_WORDS: z
    .string()
    .refine(
      (value) => value.split(',').every((word) => word.trim().length <= 64),
      'must be comma-separated words or phrases of at most 64 characters',
    )
    .optional(),
  CHATBATCH_WEBHOOK_URL: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const problem = webhookUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  CHATBATCH_WEBHOOK_SECRET: parsed(parseWebhookSecrets).optional(),
  CHATBATCH_WEBHOOK_MAX_AGE: parsed(parseDurationSeconds)
    .pipe(
      z
        .number()
        .min(1, 'must be at least 1 second')
        .max(MAX_WEBHOOK_AGE_SECONDS, 'must be at most 30d'),
    )
    .default(72 * 3600),
  CHATBATCH_WEBHOOK_ALLOW_PRIVATE: parsed(parseSwitch).default(false),
  CHATBATCH_WEBHOOK_BACKOFF_MS: int(1, 300_000).default(5000),
  CHATBATCH_FAIR_LANES: parsed(parseSwitch).default(true),
});

/**
 * The environment variables a chatbatch process reads, in the schema's order. Every one is
 * listed in docs/reference/configuration.md (test/deploy/docs-reference.test.ts checks it).
 */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

/** Shorter tokens are warned about: a bearer token should be a long random secret. */
const MIN_TOKEN_LENGTH = 16;

/** CHATBATCH_API_TOKENS: comma-separated, trimmed, empty entries dropped (and warned about). */
function readApiTokens(text: string | undefined): {
  apiTokens: readonly string[];
  apiTokenWarnings: readonly string[];
} {
  const entries = (text ?? '').split(',').map((token) => token.trim());
  const tokens = entries.filter(Boolean);
  const warnings: string[] = [];
  const empty = text === undefined ? 0 : entries.length - tokens.length;
  if (empty > 0) {
    warnings.push(
      `CHATBATCH_API_TOKENS: ${empty} empty ${empty === 1 ? 'entry' : 'entries'} (stray commas or spaces) ${empty === 1 ? 'is' : 'are'} ignored`,
    );
  }
  tokens.forEach((token, i) => {
    if (token.length < MIN_TOKEN_LENGTH) {
      warnings.push(
        `CHATBATCH_API_TOKENS: token ${i + 1} is ${token.length} character${token.length === 1 ? '' : 's'} long; use at least ${MIN_TOKEN_LENGTH} random characters`,
      );
    }
  });
  return { apiTokens: Object.freeze(tokens), apiTokenWarnings: Object.freeze(warnings) };
}

/** A configuration error: names every bad variable and the rule it broke. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once and returns a frozen Config. Throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as "not set", as shells and compose files often export them.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = result.data;
  if (e.CHATBATCH_WEBHOOK_URL && !e.CHATBATCH_WEBHOOK_SECRET) {
    throw new ConfigError([
      'CHATBATCH_WEBHOOK_SECRET: required when CHATBATCH_WEBHOOK_URL is set (a whsec_… secret to sign deliveries with)',
    ]);
  }
  return Object.freeze({
    redisUrl: e.REDIS_URL,
    prefix: e.CHATBATCH_PREFIX,
    sigmamindBaseUrl: e.SIGMAMIND_BASE_URL.replace(/\/+$/, ''),
    sigmamindApiKey: e.SIGMAMIND_API_KEY,
    concurrency: e.CHATBATCH_CONCURRENCY,
    rateLimit: e.CHATBATCH_RATE_LIMIT,
    adaptive: e.CHATBATCH_ADAPTIVE,
    maxAttempts: e.CHATBATCH_MAX_ATTEMPTS,
    backoffMs: e.CHATBATCH_BACKOFF_MS,
    requestTimeoutMs: e.CHATBATCH_REQUEST_TIMEOUT_MS,
    metricsPort: e.METRICS_PORT,
    apiPort: e.API_PORT,
    ...readApiTokens(e.CHATBATCH_API_TOKENS),
    logLevel: e.LOG_LEVEL,
    retentionSeconds: Math.round(e.CHATBATCH_RETENTION_DAYS * 86_400),
    stalledIntervalMs: e.CHATBATCH_STALLED_INTERVAL_MS,
    watchdogIntervalMs: e.CHATBATCH_WATCHDOG_INTERVAL_MS,
    apiJsonLimitBytes: Math.round(e.CHATBATCH_API_JSON_LIMIT_MB * 1024 * 1024),
    apiCsvLimitBytes: Math.round(e.CHATBATCH_API_CSV_LIMIT_MB * 1024 * 1024),
    maxTurns: e.CHATBATCH_MAX_TURNS,
    frequencyCap: e.CHATBATCH_FREQUENCY_CAP
      ? Object.freeze(parseFrequencyCap(e.CHATBATCH_FREQUENCY_CAP))
      : undefined,
    optOutWords: Object.freeze(optOutWordList(e.CHATBATCH_OPT_OUT_WORDS)),
    webhookUrl: e.CHATBATCH_WEBHOOK_URL,
    webhookSecrets: Object.freeze(e.CHATBATCH_WEBHOOK_SECRET ?? []),
    webhookMaxAgeSeconds: e.CHATBATCH_WEBHOOK_MAX_AGE,
    webhookAllowPrivate: e.CHATBATCH_WEBHOOK_ALLOW_PRIVATE,
    webhookBackoffMs: e.CHATBATCH_WEBHOOK_BACKOFF_MS,
    apiRequestTimeoutMs: e.CHATBATCH_API_REQUEST_TIMEOUT_MS,
    apiBodyIdleMs: e.CHATBATCH_API_BODY_IDLE_MS,
    apiBodyMinRate: e.CHATBATCH_API_BODY_MIN_RATE,
    scheduleMinIntervalMs: e.CHATBATCH_SCHEDULE_MIN_INTERVAL,
    fairLanes: e.CHATBATCH_FAIR_LANES,
  });
}

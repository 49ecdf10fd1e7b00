import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * Every metric of docs/reference/contract.md, defined once over an injected registry. No label carries an
 * unbounded value: never a batch or conversation id.
 */
export interface Metrics {
  readonly registry: Registry;
  chatRequests: Counter<'status_code' | 'outcome'>;
  chatRequestDuration: Histogram<'outcome'>;
  turns: Counter<'result'>;
  conversations: Counter<'result'>;
  rateLimited: Counter;
  inflightRequests: Gauge;
  queueJobs: Gauge<'state'>;
  ingestRows: Counter<'result'>;
  /** Attempts whose reply was lost after it may have reached the vendor (possible duplicates). */
  possibleDuplicates: Counter;
  /** 401/403 answers that paused the queue. */
  vendorAuthFailures: Counter<'status_code'>;
  /** Turns held back because their recipient's send window was closed. */
  windowDelays: Counter;
  /** Turns not sent because a contact rule stopped their conversation, by rule. */
  suppressedTurns: Counter<'reason'>;
  /** Webhook delivery attempts by outcome: delivered, retry (will try again), failed (for good). */
  webhookDeliveries: Counter<'outcome'>;
  /** Age of the oldest webhook event not yet delivered or failed, in seconds (0: none). */
  webhookOldestUndelivered: Gauge;
  /** Adaptive pacing: the fleet's allowed starts/s as this worker applies it (else the ceiling). */
  pacerRateLimit: Gauge;
  /** Adaptive pacing: decreases of the fleet's pace this worker made after a 429. */
  pacerThrottles: Counter;
  /** 429s whose Retry-After was long enough to pause every worker. */
  pacerFleetPauses: Counter;
  /** Adaptive concurrency: this worker's in-flight limit. */
  pacerConcurrencyLimit: Gauge;
}

/** Seconds: a chat API answers in tens of ms to tens of seconds, with a 30 s default timeout. */
export const REQUEST_DURATION_BUCKETS = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60,
];

const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createMetrics(
  registry: Registry,
  options: {
    defaultMetrics?: boolean;
    collectQueueJobs?: (gauge: Gauge<'state'>) => Promise<void>;
    collectWebhookBacklog?: (gauge: Gauge) => Promise<void>;
  } = {},
): Metrics {
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'chatbatch_' });
    // Gauges named `*_total` break Prometheus' naming rules (`promtool check metrics` fails
    // on them); the per-type `chatbatch_nodejs_active_*` gauges carry the same numbers.
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(`chatbatch_${name}`);
  }
  const registers = [registry];
  const { collectQueueJobs, collectWebhookBacklog } = options;
  const metrics: Metrics = {
    registry,
    chatRequests: new Counter({
      name: 'chatbatch_chat_requests_total',
      help: 'Chats API attempts by vendor status code (or timeout/network) and outcome.',
      labelNames: ['status_code', 'outcome'],
      registers,
    }),
    chatRequestDuration: new Histogram({
      name: 'chatbatch_chat_request_duration_seconds',
      help: 'Duration of one Chats API attempt, in seconds.',
      labelNames: ['outcome'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    }),
    turns: new Counter({
      name: 'chatbatch_turns_total',
      help: 'Turns finished by result.',
      labelNames: ['result'],
      registers,
    }),
    conversations: new Counter({
      name: 'chatbatch_conversations_total',
      help: 'Conversations finished by result.',
      labelNames: ['result'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'chatbatch_rate_limited_total',
      help: 'Vendor 429 answers (each slows the fleet: adaptive pacing, or a pause of every worker).',
      registers,
    }),
    inflightRequests: new Gauge({
      name: 'chatbatch_inflight_requests',
      help: 'Chats API requests in flight in this process.',
      registers,
    }),
    queueJobs: new Gauge({
      name: 'chatbatch_queue_jobs',
      help: 'Jobs in the turn queue by state.',
      labelNames: ['state'],
      registers,
      async collect() {
        if (collectQueueJobs) await collectQueueJobs(this);
      },
    }),
    ingestRows: new Counter({
      name: 'chatbatch_ingest_rows_total',
      help: 'CSV or API rows ingested by result.',
      labelNames: ['result'],
      registers,
    }),
    possibleDuplicates: new Counter({
      name: 'chatbatch_possible_duplicate_requests_total',
      help: 'Attempts retried after their reply was lost (timeout or reset after sending): the vendor may have created a chat twice.',
      registers,
    }),
    windowDelays: new Counter({
      name: 'chatbatch_window_delayed_turns_total',
      help: "Turns delayed to the next opening of their recipient's send window.",
      registers,
    }),
    suppressedTurns: new Counter({
      name: 'chatbatch_suppressed_turns_total',
      help: 'Turns not sent because a contact rule stopped their conversation, by rule (suppression_list, frequency_cap, opted_out).',
      labelNames: ['reason'],
      registers,
    }),
    pacerRateLimit: new Gauge({
      name: 'chatbatch_pacer_rate_limit',
      help: 'Request starts per second the whole fleet may make, as this worker applies it; when no 429 is being paced, CHATBATCH_RATE_LIMIT (0 = none).',
      registers,
    }),
    pacerThrottles: new Counter({
      name: 'chatbatch_pacer_throttles_total',
      help: "Decreases of the fleet's pace this worker made after a vendor 429 (at most one per cooldown across the fleet).",
      registers,
    }),
    pacerFleetPauses: new Counter({
      name: 'chatbatch_pacer_fleet_pauses_total',
      help: 'Vendor 429s with a Retry-After of 30 s or more, which pause every worker for it.',
      registers,
    }),
    pacerConcurrencyLimit: new Gauge({
      name: 'chatbatch_pacer_concurrency_limit',
      help: "This worker's in-flight request limit (CHATBATCH_CONCURRENCY, lowered while the vendor's latency grows).",
      registers,
    }),
    vendorAuthFailures: new Counter({
      name: 'chatbatch_vendor_auth_failures_total',
      help: 'Vendor 401/403 answers: the API key was refused and the queue paused.',
      labelNames: ['status_code'],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'chatbatch_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retry (another attempt follows), failed (given up: max age, or a refused address).',
      labelNames: ['outcome'],
      registers,
    }),
    webhookOldestUndelivered: new Gauge({
      name: 'chatbatch_webhook_oldest_undelivered_seconds',
      help: 'Age of the oldest webhook event not yet delivered (nor failed for good), in seconds; 0 when none.',
      registers,
      async collect() {
        if (collectWebhookBacklog) await collectWebhookBacklog(this);
      },
    }),
  };
  zeroKnownLabels(metrics);
  return metrics;
}

/**
 * Exposes every known label value at 0 from the start: Prometheus' rate() cannot see the
 * first increment of a series that appears with value 1, so a rare result (a failed
 * conversation) would otherwise be missing from the dashboard.
 */
function zeroKnownLabels(metrics: Metrics): void {
  for (const result of ['completed', 'failed', 'skipped']) metrics.turns.inc({ result }, 0);
  for (const result of ['completed', 'ended', 'failed', 'cancelled', 'expired', 'suppressed'])
    metrics.conversations.inc({ result }, 0);
  for (const reason of ['suppression_list', 'frequency_cap', 'opted_out'])
    metrics.suppressedTurns.inc({ reason }, 0);
  for (const result of ['accepted', 'rejected', 'duplicate']) metrics.ingestRows.inc({ result }, 0);
  for (const outcome of ['success', 'retry', 'fail']) metrics.chatRequestDuration.zero({ outcome });
  for (const outcome of ['delivered', 'retry', 'failed'])
    metrics.webhookDeliveries.inc({ outcome }, 0);
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/throwaway-redis.js';
import { spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { dashboardQueries, loadDashboard } from './helpers/dashboard-model.js';
import { loopbackPrometheusConfig, sumSamples } from './helpers/deploy-config.js';
import { chatbatchMetricFamilies, grafanaToPromQL, loadAlertRules } from './helpers/promql.js';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus-server.js';
import { checkMetricsText, requireTool } from './helpers/tools.js';

/**
 * A short real run (simulator + Redis + two worker processes + `chatbatch api` taking the CSV
 * submissions) scraped every second by a real Prometheus loaded with the deployment's alert
 * rules; then every query of the dashboard and every alert expression is run through
 * Prometheus' HTTP API.
 */

/**
 * Vendor answers forced by request number, so the run has retries, 429s and a failure. The run
 * of 429s (60–66), once the workers have been sending for a while, is enough for the adaptive
 * pacer to slow the fleet down once.
 */
const FORCED_STATUS: Record<number, number> = {
  4: 429,
  9: 503,
  15: 500,
  22: 429,
  30: 502,
  38: 422,
  47: 504,
  ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [60 + i, 429])),
};

function csv(conversations: number, turns: number, tag: string, invalidRow = false): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let c = 1; c <= conversations; c++) {
    for (let t = 1; t <= turns; t++) lines.push(`${tag}${c},agent-1,${tag}${c} turn ${t}`);
  }
  // An empty input: the conversation is rejected, counted as rejected rows.
  if (invalidRow) lines.push(`${tag}bad,agent-1,`);
  return `${lines.join('\n')}\n`;
}

const fetchText = async (url: string) => (await fetch(url)).text();
const answers = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

let pipeline: Pipeline | undefined;
/** Worker and API processes. */
const processes: Spawned[] = [];
let prometheus: RunningPrometheus | undefined;
const workerUrls: string[] = [];
let apiUrl = '';
const API_TOKEN = 'deploy-test-token-0123456789';

beforeAll(async () => {
  const prometheusBinary = requireTool('prometheus');
  requireTool('promtool');

  pipeline = await createPipeline({
    label: 'prom',
    worker: false,
    simulator: {
      latencyMs: 80,
      latencyJitterMs: 120,
      // Retry-After: 0, so the forced 429s pause the workers only for the short test backoff.
      faults: { rates: {}, retryAfterSeconds: 0 },
      script: (request) => {
        const status = FORCED_STATUS[request.seq];
        return status === undefined ? undefined : { httpStatus: status };
      },
    },
  });

  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    processes.push(
      spawnCli(['worker'], {
        ...pipeline.env,
        METRICS_PORT: String(port),
        CHATBATCH_CONCURRENCY: '4',
        LOG_LEVEL: 'warn',
      }),
    );
    workerUrls.push(`127.0.0.1:${port}`);
  }

  const apiPort = await freePort();
  processes.push(
    spawnCli(['api', '--port', String(apiPort), '--host', '127.0.0.1'], {
      ...pipeline.env,
      CHATBATCH_API_TOKENS: API_TOKEN,
      LOG_LEVEL: 'warn',
    }),
  );
  apiUrl = `127.0.0.1:${apiPort}`;
  const ingest = async (text: string, batchId: string) => {
    const response = await fetch(`http://${apiUrl}/v1/batches?batchId=${batchId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'text/csv' },
      body: text,
    });
    if (response.status !== 202)
      throw new Error(`POST /v1/batches: ${response.status} ${await response.text()}`);
  };

  for (const url of [...workerUrls, apiUrl]) {
    await waitFor(() => answers(`http://${url}/metrics`), {
      timeoutMs: 20_000,
      what: `/metrics at ${url}`,
    });
  }

  prometheus = await startPrometheus(
    prometheusBinary,
    loopbackPrometheusConfig({ 'chatbatch-api': [apiUrl], 'chatbatch-worker': workerUrls }),
  );
  await waitFor(
    async () => {
      const targets = await prometheus!.targets();
      return targets.length === 3 && targets.every((t) => t.health === 'up');
    },
    { timeoutMs: 15_000, what: 'every target up' },
  );

  const first = csv(30, 3, 'a', true);
  await ingest(first, 'prom-a');
  await new Promise((r) => setTimeout(r, 1500));
  await ingest(csv(20, 2, 'b'), 'prom-b');
  await ingest(first, 'prom-a'); // the same file again: every row a duplicate
  await pipeline.waitSettled('prom-a', 40_000);
  await pipeline.waitSettled('prom-b', 40_000);

  // Prometheus has the final numbers once its sum equals what the workers report now.
  let finished = 0;
  for (const url of workerUrls) {
    finished += sumSamples(await fetchText(`http://${url}/metrics`), 'chatbatch_turns_total');
  }
  await waitFor(
    async () => {
      const answer = await prometheus!.query('sum(chatbatch_turns_total)');
      return Number(answer.data?.result[0]?.value[1]) === finished;
    },
    { timeoutMs: 10_000, what: `Prometheus to see ${finished} finished turns` },
  );
  await waitFor(
    async () => {
      const rules = await prometheus!.rules();
      return rules.length > 0 && rules.every((r) => !r.lastEvaluation.startsWith('0001'));
    },
    { timeoutMs: 10_000, what: 'every alert rule evaluated' },
  );
}, 90_000);

afterAll(async () => {
  await Promise.all(
    processes.map(async ({ child, exited }) => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await prometheus?.stop();
  await pipeline?.close();
});

describe('a real Prometheus scraping a real run', () => {
  it('promtool check metrics accepts the /metrics of every worker and of the API', async () => {
    const promtool = requireTool('promtool');
    for (const url of [...workerUrls, apiUrl]) {
      const text = await fetchText(`http://${url}/metrics`);
      // An empty text would pass promtool: make sure real work is in it.
      expect(text).toContain('# TYPE chatbatch_chat_requests_total counter');
      const result = await checkMetricsText(promtool, text);
      expect(result.code, `${url}: ${result.stdout}${result.stderr}`).toBe(0);
    }
    const worker = await fetchText(`http://${workerUrls[0]}/metrics`);
    expect(worker).toMatch(/^chatbatch_turns_total\{result="completed"\} [1-9]/m);
    expect(await fetchText(`http://${apiUrl}/metrics`)).toMatch(
      /^chatbatch_ingest_rows_total\{result="accepted"\} [1-9]/m,
    );
  });

  it('the processes expose every chatbatch metric the dashboard and the alerts read', async () => {
    const texts = await Promise.all(
      [...workerUrls, apiUrl].map((url) => fetchText(`http://${url}/metrics`)),
    );
    const exposed = new Set(
      texts.flatMap((t) => [...t.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!)),
    );
    const read = [
      ...dashboardQueries(loadDashboard()).map((q) => q.expr),
      ...loadAlertRules().map((r) => r.expr),
    ].flatMap(chatbatchMetricFamilies);
    expect(read.length).toBeGreaterThan(10);
    expect([...new Set(read)].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('every dashboard query returns data', async () => {
    const empty: string[] = [];
    for (const q of dashboardQueries(loadDashboard())) {
      const expr = grafanaToPromQL(q.expr, { rateInterval: '1m', range: '5m' });
      const answer = await prometheus!.query(expr);
      expect(answer.status, `${q.panel} ${q.refId}: ${answer.error}`).toBe('success');
      if (!answer.data?.result.length) empty.push(`${q.panel} ${q.refId}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });

  it('the panels show the run: status codes, results, queue states, ingest results', async () => {
    const labels = async (expr: string, label: string) => {
      const answer = await prometheus!.query(expr);
      return (answer.data?.result ?? []).map((r) => r.metric[label]).sort();
    };
    const codes = await labels(
      'sum by (status_code) (rate(chatbatch_chat_requests_total[1m]))',
      'status_code',
    );
    expect(codes).toEqual(expect.arrayContaining(['200', '422', '429', '500', '502', '503']));
    expect(await labels('sum by (result) (chatbatch_conversations_total)', 'result')).toEqual(
      expect.arrayContaining(['completed', 'failed']),
    );
    expect(await labels('sum by (result) (chatbatch_ingest_rows_total)', 'result')).toEqual([
      'accepted',
      'duplicate',
      'rejected',
    ]);
    expect(await labels('max by (state) (chatbatch_queue_jobs)', 'state')).toEqual(
      ['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting'].sort(),
    );
    // Series start at 0, so rate() sees even a single failure (the forced 422).
    for (const expr of [
      'sum(increase(chatbatch_conversations_total{result="failed"}[1m]))',
      'sum(increase(chatbatch_turns_total{result="failed"}[1m]))',
      'sum(increase(chatbatch_ingest_rows_total{result="rejected"}[1m]))',
    ]) {
      const answer = await prometheus!.query(expr);
      expect(Number(answer.data?.result[0]?.value[1]), expr).toBeGreaterThan(0);
    }
    const rateLimited = await prometheus!.query('sum(chatbatch_rate_limited_total)');
    expect(Number(rateLimited.data?.result[0]?.value[1])).toBeGreaterThanOrEqual(8);
    // The 429s lowered the fleet's pace: a decrease counted, the allowed rate shown meanwhile.
    const throttles = await prometheus!.query('sum(chatbatch_pacer_throttles_total)');
    expect(Number(throttles.data?.result[0]?.value[1])).toBeGreaterThanOrEqual(1);
    const paced = await prometheus!.query(
      'max(max_over_time(chatbatch_pacer_rate_limit{job="chatbatch-worker"}[5m]))',
    );
    expect(Number(paced.data?.result[0]?.value[1])).toBeGreaterThan(0);
    const pauses = await prometheus!.query('sum(chatbatch_pacer_fleet_pauses_total)');
    expect(pauses.data?.result[0]?.value[1]).toBe('0');
    const p95 = await prometheus!.query(
      'histogram_quantile(0.95, sum by (le) (rate(chatbatch_chat_request_duration_seconds_bucket[1m])))',
    );
    const seconds = Number(p95.data?.result[0]?.value[1]);
    expect(seconds).toBeGreaterThan(0.05);
    expect(seconds).toBeLessThan(2);
    const up = await prometheus!.query('sum(up{job="chatbatch-worker"})');
    expect(up.data?.result[0]?.value[1]).toBe('2');
  });

  it('every alert expression evaluates, and Prometheus evaluates the loaded rules without error', async () => {
    for (const rule of loadAlertRules()) {
      const answer = await prometheus!.query(rule.expr);
      expect(answer.status, `${rule.alert}: ${answer.error}`).toBe('success');
    }
    const loaded = await prometheus!.rules();
    expect(loaded.map((r) => r.name).sort()).toEqual(
      loadAlertRules()
        .map((r) => r.alert)
        .sort(),
    );
    for (const rule of loaded) expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe('ok');
  });
});

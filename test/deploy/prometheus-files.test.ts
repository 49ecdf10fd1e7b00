import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAlertRules } from './helpers/promql.js';
import {
  ALERT_RULES,
  PROMETHEUS_CONFIG,
  PROMETHEUS_LOCAL_CONFIG,
  readRepoYaml,
  repoPath,
} from './helpers/repo-files.js';
import { requireTool, runTool } from './helpers/tools.js';

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
}

describe('deploy/prometheus', () => {
  it('promtool check config accepts prometheus.yml, rule file included', async () => {
    const promtool = requireTool('promtool');
    const result = await runTool(promtool, ['check', 'config', repoPath(PROMETHEUS_CONFIG)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('1 rule files found');
  });

  it('promtool check config accepts prometheus.local.yml (Prometheus without Docker)', async () => {
    const promtool = requireTool('promtool');
    const result = await runTool(promtool, ['check', 'config', repoPath(PROMETHEUS_LOCAL_CONFIG)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('1 rule files found');
  });

  it('prometheus.local.yml scrapes the same jobs on loopback: API on 3000, workers on 9464, 9465', () => {
    const load = (file: string) =>
      (readRepoYaml(file) as { scrape_configs: ScrapeConfig[]; rule_files: string[] })
        .scrape_configs;
    const local = new Map(load(PROMETHEUS_LOCAL_CONFIG).map((job) => [job.job_name, job]));
    // The dashboard and the alert rules select on the job names: the same in both files.
    expect([...local.keys()].sort()).toEqual(
      load(PROMETHEUS_CONFIG)
        .map((j) => j.job_name)
        .sort(),
    );
    expect(local.get('chatbatch-api')?.static_configs).toEqual([{ targets: ['127.0.0.1:3000'] }]);
    expect(local.get('chatbatch-worker')?.static_configs).toEqual([
      { targets: ['127.0.0.1:9464', '127.0.0.1:9465'] },
    ]);
    for (const job of local.values()) expect(job.dns_sd_configs).toBeUndefined();
  });

  it('promtool check rules accepts alert-rules.yml', async () => {
    const promtool = requireTool('promtool');
    const result = await runTool(promtool, ['check', 'rules', repoPath(ALERT_RULES)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`${loadAlertRules().length} rules found`);
  });

  it('promtool check rules rejects a broken expression (the check has teeth)', async () => {
    const promtool = requireTool('promtool');
    const dir = await mkdtemp(join(tmpdir(), 'chatbatch-rules-'));
    try {
      const file = join(dir, 'broken.yml');
      await writeFile(
        file,
        'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m])\n',
      );
      const result = await runTool(promtool, ['check', 'rules', file]);
      expect(result.code).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('scrapes the api at api:3000 and every scaled worker by DNS A records on 9464', () => {
    const config = readRepoYaml(PROMETHEUS_CONFIG) as {
      rule_files: string[];
      scrape_configs: ScrapeConfig[];
    };
    // Relative: resolved next to prometheus.yml, in the container and in CI alike.
    expect(config.rule_files).toEqual(['alert-rules.yml']);
    const jobs = new Map(config.scrape_configs.map((job) => [job.job_name, job]));
    expect(jobs.get('chatbatch-api')?.static_configs).toEqual([{ targets: ['api:3000'] }]);
    expect(jobs.get('chatbatch-worker')?.dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['worker'], type: 'A', port: 9464 }),
    ]);
  });

  it('alerts on vendor errors, stalls, a growing backlog, sustained 429s, workers down and stuck webhooks', () => {
    const rules = loadAlertRules();
    const byName = new Map(rules.map((rule) => [rule.alert, rule]));
    expect(byName.size).toBe(rules.length);
    expect(byName.get('ChatbatchVendorErrorRatioHigh')?.expr).toMatch(
      /chatbatch_chat_requests_total\{outcome!="success"/,
    );
    expect(byName.get('ChatbatchNoTurnCompleted')?.expr).toMatch(
      /chatbatch_turns_total\{result="completed"\}[\s\S]*chatbatch_queue_jobs/,
    );
    expect(byName.get('ChatbatchBacklogGrowing')?.expr).toMatch(/deriv\(.*chatbatch_queue_jobs/);
    expect(byName.get('ChatbatchSustained429s')?.expr).toContain('chatbatch_rate_limited_total');
    expect(byName.get('ChatbatchWorkerDown')?.expr).toBe('up{job="chatbatch-worker"} == 0');
    expect(byName.get('ChatbatchNoWorkerUp')?.expr).toBe('absent(up{job="chatbatch-worker"} == 1)');
    expect(byName.get('ChatbatchWebhookEventsStuck')?.expr).toMatch(
      /max\(chatbatch_webhook_oldest_undelivered_seconds\) > \d+/,
    );
    expect(byName.get('ChatbatchWebhookEventsFailed')?.expr).toContain(
      'chatbatch_webhook_deliveries_total{outcome="failed"}',
    );
    // Queue depth is the same number from every worker: never summed across them.
    for (const rule of rules) {
      expect(rule.expr, rule.alert).not.toMatch(/sum\s*\(\s*chatbatch_queue_jobs/);
    }
  });
});

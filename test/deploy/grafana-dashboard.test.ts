import { describe, expect, it } from 'vitest';
import { loadCompose, mounts, service } from './helpers/compose-model.js';
import {
  DATASOURCE_UID,
  dashboardQueries,
  dashboardSchema,
  loadDashboard,
} from './helpers/dashboard-model.js';
import { grafanaToPromQL } from './helpers/promql.js';
import {
  DASHBOARD,
  DASHBOARD_PROVIDERS,
  DATASOURCES,
  readRepoFile,
  readRepoYaml,
} from './helpers/repo-files.js';

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  access: string;
  isDefault?: boolean;
}
interface Provider {
  type: string;
  options: { path: string };
}

describe('deploy/grafana', () => {
  it('the dashboard JSON fits the provisioning format', () => {
    const result = dashboardSchema.safeParse(JSON.parse(readRepoFile(DASHBOARD)));
    expect(result.success, result.error?.message).toBe(true);
  });

  it('panel ids are unique, refIds unique per panel, and panels do not overlap', () => {
    const { panels } = loadDashboard();
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(new Set(p.targets.map((t) => t.refId)).size, p.title).toBe(p.targets.length);
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
      }
    }
  });

  it('every panel and query uses the provisioned Prometheus datasource by uid', () => {
    const { apiVersion, datasources } = readRepoYaml(DATASOURCES) as {
      apiVersion: number;
      datasources: Datasource[];
    };
    expect(apiVersion).toBe(1);
    expect(datasources).toEqual([
      expect.objectContaining({
        uid: DATASOURCE_UID,
        type: 'prometheus',
        access: 'proxy',
        // The compose service name and Prometheus' port.
        url: 'http://prometheus:9090',
      }),
    ]);
    for (const p of loadDashboard().panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: DATASOURCE_UID });
      for (const t of p.targets) expect(t.datasource, p.title).toEqual(p.datasource);
    }
  });

  it('compose mounts the provisioning files and the dashboard where Grafana reads them', () => {
    const { providers } = readRepoYaml(DASHBOARD_PROVIDERS) as { providers: Provider[] };
    expect(providers).toHaveLength(1);
    expect(providers[0]!.type).toBe('file');
    const grafana = mounts(service(loadCompose(), 'grafana'));
    const target = (source: string) => grafana.find((m) => m.source === source)?.target;
    expect(target('./deploy/grafana/dashboards')).toBe(providers[0]!.options.path);
    expect(target('./deploy/grafana/provisioning/datasources')).toBe(
      '/etc/grafana/provisioning/datasources',
    );
    expect(target('./deploy/grafana/provisioning/dashboards')).toBe(
      '/etc/grafana/provisioning/dashboards',
    );
  });

  it('has the panels operators asked for', () => {
    const { panels } = loadDashboard();
    const exprsOf = (title: RegExp) => {
      const found = panels.filter((p) => title.test(p.title));
      expect(found, String(title)).toHaveLength(1);
      return found[0]!.targets.map((t) => t.expr);
    };
    expect(exprsOf(/^Turns per second$/)[0]).toMatch(/rate\(chatbatch_turns_total/);
    expect(exprsOf(/^Conversations finished by result$/)[0]).toMatch(
      /by \(result\).*chatbatch_conversations_total/,
    );
    expect(exprsOf(/requests by status code/)[0]).toMatch(
      /by \(status_code\).*chatbatch_chat_requests_total/,
    );
    expect(exprsOf(/^Error ratio$/)[0]).toMatch(/outcome!="success"/);
    const latency = exprsOf(/latency/).join('\n');
    for (const q of ['0.5', '0.95', '0.99']) {
      expect(latency).toContain(`histogram_quantile(${q},`);
    }
    expect(exprsOf(/^In-flight requests$/)[0]).toContain('chatbatch_inflight_requests');
    expect(exprsOf(/^Queue depth by state$/)[0]).toBe('max by (state) (chatbatch_queue_jobs)');
    expect(exprsOf(/^Rate-limit hits$/)[0]).toContain('chatbatch_rate_limited_total');
    expect(exprsOf(/^Rate-limit hits$/).join('\n')).toContain('chatbatch_pacer_throttles_total');
    expect(exprsOf(/^Rate-limit hits$/).join('\n')).toContain('chatbatch_pacer_fleet_pauses_total');
    expect(exprsOf(/^Pacing: /)[0]).toBe('max(chatbatch_pacer_rate_limit{job="chatbatch-worker"})');
    expect(exprsOf(/^Ingest rows per second$/)[0]).toContain('chatbatch_ingest_rows_total');
    expect(exprsOf(/^Worker count$/).join('\n')).toContain('up{job="chatbatch-worker"}');
    expect(exprsOf(/^Webhook deliveries by outcome$/)[0]).toMatch(
      /by \(outcome\).*chatbatch_webhook_deliveries_total/,
    );
    expect(exprsOf(/^Oldest undelivered webhook event$/)[0]).toBe(
      'max(chatbatch_webhook_oldest_undelivered_seconds)',
    );
  });

  it('the pacing panel sits beside the 429 panel', () => {
    const { panels } = loadDashboard();
    const pacing = panels.find((p) => p.title.startsWith('Pacing: '))!;
    const hits = panels.find((p) => p.title === 'Rate-limit hits')!;
    expect(pacing.gridPos.y).toBe(hits.gridPos.y);
    expect(Math.abs(pacing.gridPos.x - hits.gridPos.x)).toBe(pacing.gridPos.w);
  });

  it('queries use only Grafana variables the Prometheus test can substitute', () => {
    for (const q of dashboardQueries(loadDashboard())) {
      expect(() => grafanaToPromQL(q.expr, { rateInterval: '1m', range: '5m' })).not.toThrow();
    }
  });
});

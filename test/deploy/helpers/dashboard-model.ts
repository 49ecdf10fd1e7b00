import { z } from 'zod';
import { DASHBOARD, readRepoFile } from './repo-files.js';

/** The uid the provisioned datasource gets and every panel and query of the dashboard uses. */
export const DATASOURCE_UID = 'chatbatch-prometheus';

const datasourceRef = z.object({ type: z.literal('prometheus'), uid: z.string().min(1) }).strict();

const target = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  expr: z.string().min(1),
  datasource: datasourceRef,
  legendFormat: z.string().optional(),
  range: z.boolean().optional(),
});

/** Grafana lays panels out on a 24-column grid. */
const gridPos = z
  .object({
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1),
  })
  .refine((g) => g.x + g.w <= 24, 'panel runs past the 24-column grid');

const panel = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'gauge', 'bargauge', 'table']),
  title: z.string().min(1),
  description: z.string().min(1),
  datasource: datasourceRef,
  gridPos,
  targets: z.array(target).min(1),
  fieldConfig: z.object({ defaults: z.object({}).passthrough(), overrides: z.array(z.unknown()) }),
  options: z.object({}).passthrough(),
});

/**
 * What Grafana's file provisioning needs of a dashboard JSON: the dashboard model itself (not
 * wrapped in `{dashboard: …}` as the HTTP API wants), a stable uid, `id` null so Grafana assigns
 * its own, a schema version, panels with ids, grid positions and Prometheus targets.
 */
export const dashboardSchema = z.object({
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  id: z.null(),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(30),
  version: z.number().int().min(1),
  time: z.object({ from: z.string(), to: z.string() }),
  refresh: z.string(),
  tags: z.array(z.string()),
  templating: z.object({ list: z.array(z.unknown()) }),
  annotations: z.object({ list: z.array(z.unknown()) }),
  panels: z.array(panel).min(1),
});

export type Dashboard = z.infer<typeof dashboardSchema>;

export function loadDashboard(): Dashboard {
  return dashboardSchema.parse(JSON.parse(readRepoFile(DASHBOARD)));
}

export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

export function dashboardQueries(dashboard: Dashboard): PanelQuery[] {
  return dashboard.panels.flatMap((p) =>
    p.targets.map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })),
  );
}

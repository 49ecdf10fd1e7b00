import { z } from 'zod';
import { ALERT_RULES, readRepoYaml } from './repo-files.js';

const alertRule = z
  .object({
    alert: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
    expr: z.string().min(1),
    for: z.string().regex(/^\d+[smh]$/),
    labels: z.object({ severity: z.enum(['page', 'warn']) }),
    annotations: z.object({ summary: z.string().min(1), description: z.string().min(1) }),
  })
  .strict();

const rulesFile = z.object({
  groups: z.array(z.object({ name: z.string(), rules: z.array(alertRule).min(1) })).min(1),
});

export type AlertRule = z.infer<typeof alertRule>;

export function loadAlertRules(): AlertRule[] {
  return rulesFile.parse(readRepoYaml(ALERT_RULES)).groups.flatMap((g) => g.rules);
}

/**
 * Grafana's built-in interval variables replaced by fixed ranges, so Prometheus can run a
 * dashboard query as is. Throws on any other variable: the dashboard defines none.
 */
export function grafanaToPromQL(
  expr: string,
  ranges: { rateInterval: string; range: string },
): string {
  const replaced = expr
    .replaceAll(/\$\{?__rate_interval\}?/g, ranges.rateInterval)
    .replaceAll(/\$\{?__interval\}?/g, ranges.rateInterval)
    .replaceAll(/\$\{?__range\}?/g, ranges.range);
  if (replaced.includes('$')) throw new Error(`unknown Grafana variable in: ${expr}`);
  return replaced;
}

/** chatbatch metric families a PromQL expression reads (histogram series → the family). */
export function chatbatchMetricFamilies(expr: string): string[] {
  const names = expr.match(/\bchatbatch_[a-z0-9_]+/g) ?? [];
  return [...new Set(names.map((n) => n.replace(/_(bucket|sum|count)$/, '')))];
}

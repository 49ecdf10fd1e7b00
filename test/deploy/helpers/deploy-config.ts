import { PROMETHEUS_CONFIG, readRepoYaml, repoPath, ALERT_RULES } from './repo-files.js';

/**
 * The deployment's prometheus.yml turned into one for a test on loopback: the same jobs (the
 * dashboard and the alerts select on their names) and the real alert rules, but static
 * targets from `targets` instead of Docker DNS, and a 1 s scrape and evaluation interval.
 */
export function loopbackPrometheusConfig(targets: Record<string, string[]>): object {
  const deploy = readRepoYaml(PROMETHEUS_CONFIG) as { scrape_configs: { job_name: string }[] };
  const jobs = deploy.scrape_configs.map((job) => job.job_name);
  for (const job of Object.keys(targets)) {
    if (!jobs.includes(job)) throw new Error(`${PROMETHEUS_CONFIG} has no job ${job}`);
  }
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [repoPath(ALERT_RULES)],
    scrape_configs: Object.entries(targets).map(([job_name, list]) => ({
      job_name,
      static_configs: [{ targets: list }],
    })),
  };
}

/** Sum of every sample of one family in a /metrics text (e.g. all `chatbatch_turns_total`). */
export function sumSamples(text: string, family: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${family}{`) || line.startsWith(`${family} `)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

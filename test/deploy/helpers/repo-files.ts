import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Absolute path of a file of this repository. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

/** Parses a YAML file of the repo; `<<` merge keys resolved, as docker compose does. */
export function readRepoYaml(relative: string): unknown {
  return parse(readRepoFile(relative), { merge: true });
}

export const PROMETHEUS_CONFIG = 'deploy/prometheus/prometheus.yml';
export const PROMETHEUS_LOCAL_CONFIG = 'deploy/prometheus/prometheus.local.yml';
export const ALERT_RULES = 'deploy/prometheus/alert-rules.yml';
export const DASHBOARD = 'deploy/grafana/dashboards/chatbatch.json';
export const DATASOURCES = 'deploy/grafana/provisioning/datasources/prometheus.yml';
export const DASHBOARD_PROVIDERS = 'deploy/grafana/provisioning/dashboards/chatbatch.yml';
export const COMPOSE = 'docker-compose.yml';

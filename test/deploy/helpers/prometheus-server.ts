import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../../src/cli/throwaway-redis.js';

/** Prometheus' HTTP API answer to an instant query. */
export interface QueryAnswer {
  status: 'success' | 'error';
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
  errorType?: string;
  error?: string;
}

export interface RuleState {
  name: string;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  lastEvaluation: string;
}

export interface RunningPrometheus {
  url: string;
  query(expr: string): Promise<QueryAnswer>;
  targets(): Promise<{ job: string; instance: string; health: string; lastError: string }[]>;
  rules(): Promise<RuleState[]>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian's binary) on a free loopback port with a throwaway TSDB, for one
 * test. `config` is written as its prometheus.yml. `stop()` ends it and deletes its files.
 */
export async function startPrometheus(binary: string, config: object): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'chatbatch-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    return (await response.json()) as T;
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${out}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    query: (expr) => api<QueryAnswer>(`/api/v1/query?query=${encodeURIComponent(expr)}`),
    async targets() {
      const answer = await api<{
        data: {
          activeTargets: {
            labels: Record<string, string>;
            health: string;
            lastError: string;
          }[];
        };
      }>('/api/v1/targets');
      return answer.data.activeTargets.map((t) => ({
        job: t.labels.job ?? '',
        instance: t.labels.instance ?? '',
        health: t.health,
        lastError: t.lastError,
      }));
    },
    async rules() {
      const answer = await api<{ data: { groups: { rules: RuleState[] }[] } }>('/api/v1/rules');
      return answer.data.groups.flatMap((g) => g.rules);
    },
    output: () => out,
    stop,
  };
}

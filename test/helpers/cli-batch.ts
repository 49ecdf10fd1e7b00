import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchStatus, TurnRecord } from '../../src/shared/records.js';
import { runCli, waitFor, type Spawned } from './cli.js';

/** `conversations` conversations of `turns` turns, rows interleaved; every input is unique. */
export function conversationsCsv(conversations: number, turns: number, tag: string): string {
  const lines = ['conversation_id,agent_id,input,customer_name'];
  for (let t = 1; t <= turns; t++) {
    for (let c = 1; c <= conversations; c++) {
      lines.push(`${tag}${c},agent-1,${tag}${c} turn ${t},${t === 1 ? `Name ${c}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface CliBatchRun {
  ingest: { code: number | null; report: Record<string, unknown> };
  status: { code: number | null; value: BatchStatus };
  results: TurnRecord[];
}

/**
 * A batch through the built CLI as an operator runs it: `ingest --json`, then
 * `status --json --wait`, then `results` (jsonl). Workers are the caller's business.
 */
export async function ingestAndCollect(options: {
  env: Record<string, string>;
  dir: string;
  batchId: string;
  csv: string;
  /** Between ingest and `status --wait` (e.g. start the workers). */
  afterIngest?: () => Promise<void> | void;
  waitSeconds?: number;
}): Promise<CliBatchRun> {
  const { env, batchId } = options;
  const file = join(options.dir, `${batchId}.csv`);
  await writeFile(file, options.csv);
  const ingest = await runCli(['ingest', file, '--batch', batchId, '--json'], env);
  if (ingest.code !== 0) throw new Error(`ingest exited ${ingest.code}: ${ingest.stderr}`);
  await options.afterIngest?.();
  const status = await runCli(
    ['status', batchId, '--json', '--wait', '--timeout', String(options.waitSeconds ?? 30)],
    env,
  );
  const results = await runCli(['results', batchId], env);
  if (results.code !== 0) throw new Error(`results exited ${results.code}: ${results.stderr}`);
  return {
    ingest: { code: ingest.code, report: JSON.parse(ingest.stdout) as Record<string, unknown> },
    status: { code: status.code, value: JSON.parse(status.stdout) as BatchStatus },
    results: results.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TurnRecord),
  };
}

/** The /metrics port a spawned worker logged (it runs with METRICS_PORT=0 and LOG_LEVEL=info). */
export async function metricsPortOf(worker: Spawned): Promise<number> {
  let port = 0;
  await waitFor(
    () => {
      const line = worker
        .output()
        .split('\n')
        .find((l) => l.includes('"msg":"metrics at /metrics"'));
      port = Number(/"port":(\d+)/.exec(line ?? '')?.[1] ?? 0);
      return port > 0;
    },
    { timeoutMs: 15_000, what: "the worker's metrics port in its log (LOG_LEVEL=info?)" },
  );
  return port;
}

/** `chatbatch_turns_total{result="completed"}` of one worker. */
export async function completedTurnsOf(host: string, port: number): Promise<number> {
  const text = await (await fetch(`http://${host}:${port}/metrics`)).text();
  const match = /^chatbatch_turns_total\{result="completed"\} (\d+)/m.exec(text);
  return Number(match?.[1] ?? 0);
}

/** Lines of the input file, in results order, are ascending (results keep input order). */
export function inInputOrder(results: readonly TurnRecord[]): boolean {
  return results.every((r, i) => i === 0 || (r.line ?? 0) > (results[i - 1]!.line ?? 0));
}

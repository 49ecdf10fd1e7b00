import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { baselineJobOptions, type BaselineJob, type BaselineRequest } from '../baseline/jobs.js';

/**
 * What a run processes: `conversations` × `turns`. chatbatch gets it as a CSV (through
 * `chatbatch ingest`), the baseline as jobs added with addBulk; both send the same bodies.
 */
export interface Workload {
  /** Distinguishes workloads (file names, batch ids): letters, digits and `-`. */
  readonly tag: string;
  readonly conversations: number;
  readonly turns: number;
}

export const AGENT_ID = 'D5D0p7TUs66TTAEAx';
/** Rows per write / jobs per addBulk call (the size BullMQ recommends for addBulk). */
const CHUNK = 1000;

/** Turn t (1-based) of conversation i (1-based). */
export function requestOf(i: number, t: number): BaselineRequest {
  return {
    agentId: AGENT_ID,
    input: `Hi this is customer ${i}. Where is my order SO-${100_000 + i}? (message ${t})`,
    dynamicVariables: { customer_name: `Customer ${i}` },
  };
}

/** A single-turn CSV has no conversation_id column (each row is its own conversation). */
function csvLine(i: number, t: number, multiTurn: boolean): string {
  const r = requestOf(i, t);
  const cells = [r.agentId, r.input, r.dynamicVariables!.customer_name!];
  return (multiTurn ? [`c${i}`, ...cells] : cells).join(',');
}

/** Writes the workload's CSV into `dir` (once; reused by later runs) and returns its path. */
export async function workloadCsv(dir: string, w: Workload): Promise<string> {
  const path = join(dir, `${w.tag}-${w.conversations}x${w.turns}.csv`);
  if (existsSync(path)) return path;
  const multiTurn = w.turns > 1;
  const out = createWriteStream(path);
  out.write(
    multiTurn ? 'conversation_id,agent_id,input,customer_name\n' : 'agent_id,input,customer_name\n',
  );
  let lines: string[] = [];
  for (let i = 1; i <= w.conversations; i++) {
    for (let t = 1; t <= w.turns; t++) lines.push(csvLine(i, t, multiTurn));
    if (lines.length >= CHUNK || i === w.conversations) {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines = [];
    }
  }
  out.end();
  await once(out, 'close');
  return path;
}

/** Adds the workload's first turns as baseline jobs (the later turns ride in `rest`). */
export async function enqueueBaseline(
  queue: Queue,
  w: Workload,
  options: { keepResults?: boolean } = {},
): Promise<void> {
  const opts = baselineJobOptions(options.keepResults === true);
  for (let start = 1; start <= w.conversations; start += CHUNK) {
    const jobs = [];
    for (let i = start; i < start + CHUNK && i <= w.conversations; i++) {
      const rest: BaselineRequest[] = [];
      for (let t = 2; t <= w.turns; t++) rest.push(requestOf(i, t));
      const data: BaselineJob = { request: requestOf(i, 1), rest };
      jobs.push({ name: 'turn', data, opts });
    }
    await queue.addBulk(jobs);
  }
}

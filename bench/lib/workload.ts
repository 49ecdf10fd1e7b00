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
  /**
   * Put before every input (`[label] Hi this is…`), so the simulator's log tells batches apart.
   * Default none.
   */
  readonly label?: string;
  /**
   * Give every conversation a `recipient_id` (`recipientOf(i)`, never one of `suppressedId`'s):
   * the contact rules then look it up at every turn. Default false.
   */
  readonly recipients?: boolean;
}

export const AGENT_ID = 'D5D0p7TUs66TTAEAx';
/** Rows per write / jobs per addBulk call (the size BullMQ recommends for addBulk). */
const CHUNK = 1000;

/** The recipient of conversation i: a phone number in E.164 form. */
export function recipientOf(i: number): string {
  return `+1555${String(i).padStart(7, '0')}`;
}

/** The j-th entry of a suppression list that holds none of the workload's recipients. */
export function suppressedId(j: number): string {
  return `+1666${String(j).padStart(7, '0')}`;
}

/** Turn t (1-based) of conversation i (1-based). */
export function requestOf(i: number, t: number, label?: string): BaselineRequest {
  const tag = label ? `[${label}] ` : '';
  return {
    agentId: AGENT_ID,
    input: `${tag}Hi this is customer ${i}. Where is my order SO-${100_000 + i}? (message ${t})`,
    dynamicVariables: { customer_name: `Customer ${i}` },
  };
}

/** A single-turn CSV has no conversation_id column (each row is its own conversation). */
function csvLine(i: number, t: number, w: Workload): string {
  const r = requestOf(i, t, w.label);
  const cells = [r.agentId, r.input, r.dynamicVariables!.customer_name!];
  if (w.recipients) cells.push(t === 1 ? recipientOf(i) : '');
  return (w.turns > 1 ? [`c${i}`, ...cells] : cells).join(',');
}

/** The CSV's header row. */
export function csvHeader(w: Workload): string {
  const cells = ['agent_id', 'input', 'customer_name', ...(w.recipients ? ['recipient_id'] : [])];
  return (w.turns > 1 ? ['conversation_id', ...cells] : cells).join(',');
}

/** Writes the workload's CSV into `dir` (once; reused by later runs) and returns its path. */
export async function workloadCsv(dir: string, w: Workload): Promise<string> {
  const variant = `${w.label ? `-${w.label}` : ''}${w.recipients ? '-r' : ''}`;
  const path = join(dir, `${w.tag}${variant}-${w.conversations}x${w.turns}.csv`);
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  out.write(`${csvHeader(w)}\n`);
  let lines: string[] = [];
  for (let i = 1; i <= w.conversations; i++) {
    for (let t = 1; t <= w.turns; t++) lines.push(csvLine(i, t, w));
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
      for (let t = 2; t <= w.turns; t++) rest.push(requestOf(i, t, w.label));
      const data: BaselineJob = { request: requestOf(i, 1, w.label), rest };
      jobs.push({ name: 'turn', data, opts });
    }
    await queue.addBulk(jobs);
  }
}

/**
 * The ingest baseline: read a CSV with csv-parse and addBulk one job per row, 1,000 at a time,
 * the way a user would load a file into raw BullMQ. The jobs carry their request (there is no
 * store) and get the same deterministic job ids chatbatch uses, so a re-run adds nothing.
 * Usage: add-bulk <file.csv> <batchId>, with REDIS_URL and CHATBATCH_PREFIX in the environment.
 * Prints `{"rows":N}` when done.
 */
import { createReadStream } from 'node:fs';
import { Queue } from 'bullmq';
import { parse } from 'csv-parse';
import { Redis } from 'ioredis';
import { turnJobId } from '../../src/shared/keys.js';
import { baselineJobOptions, type BaselineJob } from './jobs.js';

const [file, batchId] = process.argv.slice(2);
if (!file || !batchId) throw new Error('usage: add-bulk <file.csv> <batchId>');
const CHUNK = 1000;

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const queue = new Queue('turns', { connection, prefix: `{${process.env.CHATBATCH_PREFIX}}` });
const opts = baselineJobOptions(false);

let rows = 0;
let jobs: { name: string; data: BaselineJob; opts: typeof opts & { jobId: string } }[] = [];
const parser = createReadStream(file).pipe(parse({ columns: true, bom: true }));
for await (const record of parser as AsyncIterable<Record<string, string>>) {
  rows++;
  const { agent_id: agentId = '', input = '', ...variables } = record;
  const line = rows + 1;
  jobs.push({
    name: 'turn',
    data: { request: { agentId, input, dynamicVariables: variables }, rest: [] },
    opts: { ...opts, jobId: turnJobId(batchId, `line-${line}`, 1) },
  });
  if (jobs.length >= CHUNK) {
    await queue.addBulk(jobs);
    jobs = [];
  }
}
if (jobs.length > 0) await queue.addBulk(jobs);
await queue.close();
await connection.quit();
process.stdout.write(`${JSON.stringify({ rows })}\n`);

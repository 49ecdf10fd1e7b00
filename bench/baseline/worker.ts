/**
 * The baseline: the minimal BullMQ worker a user would write instead of chatbatch. Same queue
 * library and Redis client, same HTTP client settings as chatbatch's Chats client (an undici
 * keep-alive pool with one connection per unit of concurrency, no pipelining, the same
 * timeouts), POST /v1/chats, and the next turn chained with the returned chatId. It keeps no
 * store, writes no metrics and no logs. Configured by the same environment variables as
 * `chatbatch worker` (REDIS_URL, CHATBATCH_PREFIX, SIGMAMIND_BASE_URL, SIGMAMIND_API_KEY,
 * CHATBATCH_CONCURRENCY, CHATBATCH_RATE_LIMIT), plus BASELINE_KEEP_RESULTS=1 to keep each
 * finished job with its chatId and response as the job's return value (the naive way to keep
 * results in raw BullMQ).
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { baselineJobOptions, type BaselineJob } from './jobs.js';

const env = process.env;
const concurrency = Number(env.CHATBATCH_CONCURRENCY ?? 50);
const rateLimit = Number(env.CHATBATCH_RATE_LIMIT ?? 0);
const keepResults = env.BASELINE_KEEP_RESULTS === '1';
const prefix = `{${env.CHATBATCH_PREFIX ?? 'chatbatch'}}`;
const timeoutMs = 30_000;
const url = new URL('/v1/chats', env.SIGMAMIND_BASE_URL);
const headers = { 'Content-Type': 'application/json', 'X-API-Key': env.SIGMAMIND_API_KEY ?? '' };

const pool = new Pool(url.origin, {
  connections: concurrency,
  pipelining: 1,
  headersTimeout: timeoutMs + 1000,
  bodyTimeout: timeoutMs + 1000,
  connect: { timeout: 10_000 },
});
const connection = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
});
const queue = new Queue('turns', { connection, prefix });
const nextTurnOptions = { ...baselineJobOptions(keepResults), lifo: true };

async function processTurn(job: Job<BaselineJob>) {
  const { request, rest } = job.data;
  const res = await pool.request({
    origin: url.origin,
    path: url.pathname,
    method: 'POST',
    headers,
    body: JSON.stringify(request),
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`HTTP ${res.statusCode}`);
  const reply = JSON.parse(text) as { chatId: string; response: unknown[] };
  const [next, ...later] = rest;
  if (next) {
    // Head of the queue, like chatbatch: a started conversation goes before new ones.
    await queue.add(
      'turn',
      { request: { ...next, previousChatId: reply.chatId }, rest: later },
      nextTurnOptions,
    );
  }
  return keepResults ? { chatId: reply.chatId, response: reply.response } : undefined;
}

const worker = new Worker<BaselineJob>('turns', processTurn, {
  connection,
  prefix,
  concurrency,
  ...(rateLimit > 0 ? { limiter: { max: rateLimit, duration: 1000 } } : {}),
});
worker.on('error', (error) => process.stderr.write(`baseline worker error: ${error.message}\n`));
await worker.waitUntilReady();
process.stderr.write('baseline worker ready\n');

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await queue.close();
    await pool.close();
    await connection.quit();
  })();
});

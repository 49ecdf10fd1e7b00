import { mkdir } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { readCsvRows } from '../producer/csv/index.js';
import { ingestRows } from '../producer/ingest.js';
import { resultLines } from '../producer/results-export.js';
import { createTerminalLogger } from '../shared/logger.js';
import { safeRedisUrl } from '../shared/redis.js';
import { isSettled } from '../store/batch-status.js';
import { sleep } from '../shared/clock.js';
import { createSimulator, parseFaultSpec } from '../simulator/index.js';
import { startWorker } from '../worker/start-worker.js';
import { configFrom } from './context.js';
import { openServices } from '../services.js';
import { CliError } from './exit-codes.js';
import { startDemoConsole, untilInterrupted, type DemoConsole } from './demo-console.js';
import { createProgress } from './progress.js';
import { formatStatus, plural } from './status-format.js';
import { redisServerOnPath, startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.js';
import { startDemoReceiver } from './demo-webhook-receiver.js';

const EXAMPLE_CSV = fileURLToPath(new URL('../../examples/demo.csv', import.meta.url));
const DEMO_API_KEY = 'demo-key-not-a-secret';

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const NO_REDIS_HELP = (
  url: string,
) => `no Redis answers at ${safeRedisUrl(url)} and redis-server is not on the PATH.
Get one of these, then run the demo again:
  docker compose up -d redis                      (from this repository)
  sudo apt-get install redis-server               (Debian/Ubuntu), or brew install redis (macOS)
  or point REDIS_URL at a Redis you have, e.g. REDIS_URL=redis://host:6379 npm run demo`;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the whole pipeline on this machine against the local simulator')
    // The default is applied below, not by commander: help would print the long path as well.
    .option('--csv <file>', 'CSV to run (default: the shipped examples/demo.csv)')
    .action(async ({ csv = EXAMPLE_CSV }: { csv?: string }) => {
      const flags = { csv };
      const base = configFrom();
      let throwaway: ThrowawayRedis | undefined;
      let redisUrl = base.redisUrl;
      if (!(await redisAnswers(redisUrl))) {
        if (!redisServerOnPath()) throw new CliError(NO_REDIS_HELP(redisUrl));
        throwaway = await startThrowawayRedis();
        redisUrl = throwaway.url;
        process.stdout.write(
          `No Redis at ${safeRedisUrl(base.redisUrl)}: started a throwaway redis-server at ${redisUrl}\n`,
        );
      }
      const simulator = await createSimulator({
        apiKey: DEMO_API_KEY,
        latencyMs: 40,
        latencyJitterMs: 80,
        faults: parseFaultSpec('5xx=0.05,429=0.02,reset=0.02'),
        alternateSuccessCodes: true,
      });
      const receiver = await startDemoReceiver();
      const config = configFrom({
        REDIS_URL: redisUrl,
        SIGMAMIND_BASE_URL: simulator.url,
        SIGMAMIND_API_KEY: DEMO_API_KEY,
        METRICS_PORT: 0,
        CHATBATCH_BACKOFF_MS: 200,
        CHATBATCH_CONCURRENCY: 20,
        // Webhooks go to the local receiver above: a loopback address, so allow private ones.
        CHATBATCH_WEBHOOK_SECRET: receiver.secret,
        CHATBATCH_WEBHOOK_ALLOW_PRIVATE: 'on',
        CHATBATCH_WEBHOOK_BACKOFF_MS: 200,
      });
      const logger = createTerminalLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
      const services = await openServices(config, 'worker', { logger });
      const worker = await startWorker({ services, logger });
      const context = services;
      const batchId = `demo-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
      let web: DemoConsole | undefined;
      try {
        web = await startDemoConsole({
          config,
          logger,
          apiPortVariable: process.env.API_PORT || undefined,
        });
        process.stdout.write(
          `Web console at ${web.url} (sign in with the token ${web.token})\n` +
            `Simulated SigmaMind API at ${simulator.url} (injecting 5% 5xx, 2% 429, 2% resets)\n` +
            `Worker running (concurrency 20, metrics at http://127.0.0.1:${worker.metricsPort}/metrics)\n` +
            `Ingesting ${path.relative(process.cwd(), flags.csv) || flags.csv} as batch ${batchId}\n`,
        );
        const report = await ingestRows(
          context.ingestDeps(worker.metrics),
          readCsvRows(createReadStream(flags.csv), {
            source: flags.csv,
          }),
          { batchId, webhookUrl: receiver.url },
        );
        process.stdout.write(
          `  ${plural(report.accepted, 'conversation')} (${plural(report.turns, 'turn')}) enqueued, ${report.rejected} rejected\n`,
        );
        for (const row of report.rejectedRows) {
          process.stdout.write(
            `  rejected line ${row.line} (${row.conversationId}): ${row.errors.join('; ')}\n`,
          );
        }
        const progress = createProgress('finished', { intervalMs: 1000, unit: 'conversation' });
        let status = await context.batchStore.status(batchId);
        while (status && !isSettled(status)) {
          progress.update(
            status.conversations.total - status.conversations.pending - status.conversations.active,
            status.conversations.total,
          );
          await sleep(250);
          status = await context.batchStore.status(batchId);
        }
        progress.update(status!.conversations.total, status!.conversations.total);
        progress.stop();
        process.stdout.write(`\n${formatStatus(status!)}\n`);

        const outDir = path.resolve('chatbatch-results');
        await mkdir(outDir, { recursive: true });
        const outFile = path.join(outDir, `${batchId}.jsonl`);
        const out = createWriteStream(outFile);
        const chain: string[] = [];
        for await (const chunk of resultLines(context.batchStore.results(batchId), 'jsonl'))
          out.write(chunk);
        out.end();
        await once(out, 'finish');
        const sample = await context.batchStore.conversation(batchId, 'order-1001');
        for (const turn of sample?.turns ?? []) {
          chain.push(
            `    turn ${turn.turn}: "${turn.input}" → ${turn.chatId ?? turn.status} (previousChatId ${turn.previousChatId ?? 'none'})`,
          );
        }
        const deadline = Date.now() + 10_000;
        while (
          !receiver.received.some((h) => h.type === 'batch.completed') &&
          Date.now() < deadline
        )
          await sleep(100);
        const completed = receiver.received.find((h) => h.type === 'batch.completed');
        process.stdout.write(
          completed
            ? `Webhook: batch.completed delivered to ${receiver.url} (webhook-id ${completed.id}, signed with a demo whsec_ secret)\n`
            : `Webhook: batch.completed not delivered to ${receiver.url} within 10 s\n`,
        );
        const stats = simulator.stats();
        process.stdout.write(
          `\nThe simulator received ${plural(stats.requests, 'request')} for ${plural(status!.turns.completed, 'completed turn')} (retries absorbed the injected faults).\n` +
            (chain.length
              ? `Conversation order-1001, each turn continuing the previous chat:\n${chain.join('\n')}\n`
              : '') +
            `\nResults: ${path.relative(process.cwd(), outFile)}\n` +
            (throwaway
              ? '(The throwaway Redis stops with the demo; the file above keeps the results.)\n'
              : `Try: npx chatbatch status ${batchId} and npx chatbatch results ${batchId} --format csv\n`),
        );
        // On a terminal the console stays up to look around (and upload more); piped, the demo
        // ends by itself as scripts expect.
        if (process.stdout.isTTY) {
          process.stdout.write(
            `\nThe web console stays up at ${web.url} (token ${web.token}); the worker keeps ` +
              'running against the simulator. Press Ctrl-C to stop.\n',
          );
          await untilInterrupted();
        }
      } finally {
        await web?.close();
        await worker.close();
        await services.close();
        await simulator.close();
        await receiver.close();
        await throwaway?.stop();
      }
    });
}

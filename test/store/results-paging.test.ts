import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/shared/config.js';
import { openServices, type Services } from '../../src/services.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows } from '../../src/producer/ingest.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

let services: Services;
let prefix: string;

beforeEach(async () => {
  prefix = uniquePrefix('paging');
  services = await openServices(
    loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix, CHATBATCH_MAX_TURNS: '2000' }),
    'cli',
  );
});
afterEach(async () => {
  await services.close();
  await deletePrefix(prefix);
});

it('reads only the fields of the turns on a results page, never a whole long conversation', async () => {
  const turns = 1200;
  const csv = ['conversation_id,agent_id,input']
    .concat(Array.from({ length: turns }, (_, i) => `long,a,message number ${i + 1}`))
    .join('\n');
  const report = await ingestRows(
    services.ingestDeps(),
    readCsvRows(Readable.from([csv]), { source: 't.csv' }),
    { batchId: 'p' },
  );
  expect(report.turns).toBe(turns);

  // Watch what the export asks Redis for the conversation's hash.
  const monitor = await new Redis(REDIS_URL).monitor();
  const key = services.keys.conversation('p', 'long');
  const commands: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[1] === key) commands.push(args);
  });
  try {
    const inputs: string[] = [];
    for await (const record of services.batchStore.results('p', 100)) inputs.push(record.input);
    expect(inputs).toHaveLength(turns);
    expect(inputs[0]).toBe('message number 1');
    expect(inputs[turns - 1]).toBe(`message number ${turns}`);
    // MONITOR lines trail the commands a little.
    for (let i = 0; i < 40 && commands.length < turns / 100; i++)
      await new Promise((r) => setTimeout(r, 50));
  } finally {
    monitor.disconnect();
  }
  const names = commands.map((c) => c[0]!.toLowerCase());
  expect(names).not.toContain('hgetall');
  expect(names.filter((n) => n === 'hmget')).toHaveLength(turns / 100);
  // 7 fields per turn, the previous turn's chatId, and two of the conversation.
  for (const command of commands) expect(command.length - 2).toBeLessThanOrEqual(100 * 8 + 2);
});

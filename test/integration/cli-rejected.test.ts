import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  env = { REDIS_URL, CHATBATCH_PREFIX: uniquePrefix('cli-rejected') };
  dir = await mkdtemp(join(tmpdir(), 'chatbatch-rejected-'));
});
afterAll(async () => {
  await deletePrefix(env.CHATBATCH_PREFIX!);
  await rm(dir, { recursive: true, force: true });
});

describe('chatbatch rejected <batch>', () => {
  it('exports the rows an ingest rejected, as JSONL or CSV, from any later process', async () => {
    const csv = join(dir, 'contacts.csv');
    await writeFile(
      csv,
      'conversation_id,input,agent_id\nc1,hello,ag\nc2,,ag\nc3,my card 4111 1111,\nc4,fine,ag\n',
    );
    const ingest = await runCli(['ingest', csv, '--batch', 'cli-rej', '--json'], env);
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ rejected: 2 });

    const jsonl = await runCli(['rejected', 'cli-rej'], env);
    expect(jsonl.code).toBe(0);
    expect(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { line: 3, conversationId: 'c2', errors: ['input: must not be empty'] },
      {
        line: 4,
        conversationId: 'c3',
        errors: ["agent_id: empty on the conversation's first row, and no --agent-id given"],
      },
    ]);
    expect(jsonl.stdout).not.toContain('4111');

    const out = join(dir, 'rejected.csv');
    const asCsv = await runCli(['rejected', 'cli-rej', '--format', 'csv', '--out', out], env);
    expect(asCsv.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(
      'line,index,conversationId,errors\n' +
        '3,,c2,input: must not be empty\n' +
        '4,,c3,"agent_id: empty on the conversation\'s first row, and no --agent-id given"\n',
    );

    const forExcel = await runCli(
      ['rejected', 'cli-rej', '--format', 'csv', '--delimiter', 'semicolon', '--bom'],
      env,
    );
    expect(forExcel.code).toBe(0);
    expect(forExcel.stdout).toBe(
      '\uFEFFline;index;conversationId;errors\n' +
        '3;;c2;input: must not be empty\n' +
        "4;;c3;agent_id: empty on the conversation's first row, and no --agent-id given\n",
    );
  });

  it('exits 1 for no such batch, 2 for a bad format', async () => {
    const missing = await runCli(['rejected', 'cli-rej-nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such batch: cli-rej-nope');
    expect((await runCli(['rejected', 'cli-rej', '--format', 'xml'], env)).code).toBe(2);
    const jsonlBom = await runCli(['rejected', 'cli-rej', '--bom'], env);
    expect(jsonlBom.code).toBe(2);
    expect(jsonlBom.stderr).toContain('--delimiter and --bom apply to --format csv');
  });
});

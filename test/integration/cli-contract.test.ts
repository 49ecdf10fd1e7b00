import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { runCli } from '../helpers/cli.js';

/** The command line exactly as docs/reference/contract.md fixes it: outputs, shapes and exit codes. */
let pipeline: Pipeline;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  pipeline = await createPipeline({
    label: 'cli',
    simulator: { script: (r) => (r.input.startsWith('refuse') ? { httpStatus: 422 } : undefined) },
  });
  env = pipeline.env;
  dir = await mkdtemp(join(tmpdir(), 'chatbatch-cli-'));
});
afterAll(async () => {
  await pipeline.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('chatbatch CLI contract', () => {
  it('ingest --json prints the contract report; status and results follow the batch', async () => {
    const csv = await file(
      'ok.csv',
      'conversation_id,agent_id,input,note\nc1,ag,=1+2 hello,"-sum(A1)"\nc2,ag,hi,\nc1,ag,again,\n',
    );
    const ingest = await runCli(['ingest', csv, '--batch', 'cli-ok', '--json'], env);
    expect(ingest.code).toBe(0);
    const report = JSON.parse(ingest.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([
      'batchId',
      'conversations',
      'turns',
      'accepted',
      'rejected',
      'duplicates',
      'rejectedRows',
      // Additions to the contract's keys: the separator used, and warnings.
      'delimiter',
      'warnings',
    ]);
    expect(report).toMatchObject({ delimiter: ',', warnings: [] });
    expect(report).toMatchObject({ batchId: 'cli-ok', conversations: 2, turns: 3, accepted: 2 });

    const status = await runCli(['status', 'cli-ok', '--json', '--wait', '--timeout', '30'], env);
    expect(status.code).toBe(0);
    const value = JSON.parse(status.stdout) as Record<string, unknown>;
    // The contract's keys, in its order; the second wave's additions follow them.
    expect(Object.keys(value).slice(0, 7)).toEqual([
      'batchId',
      'state',
      'conversations',
      'turns',
      'createdAt',
      'scheduledAt',
      'finishedAt',
    ]);
    expect(Object.keys(value).slice(7)).toEqual(
      expect.arrayContaining(['pausedReason', 'nextSendAt', 'priority', 'weight']),
    );
    expect(value).toMatchObject({ state: 'completed', conversations: { completed: 2 } });

    const jsonl = await runCli(['results', 'cli-ok'], env);
    const lines = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.conversationId, l.turn, l.line])).toEqual([
      ['c1', 1, 2],
      ['c2', 1, 3],
      ['c1', 2, 4],
    ]);
    expect(Object.keys(lines[0]!)).toEqual([
      'batchId',
      'conversationId',
      'turn',
      'line',
      'agentId',
      'input',
      'status',
      'chatId',
      'previousChatId',
      'chatStatus',
      'response',
      'reply', // an addition: the agent's reply as plain text
      'attempts',
      'error',
      'completedAt',
    ]);
    expect(lines[2]!.previousChatId).toBe(lines[0]!.chatId);

    const out = join(dir, 'out.csv');
    expect((await runCli(['results', 'cli-ok', '--format', 'csv', '--out', out], env)).code).toBe(
      0,
    );
    const csvText = await readFile(out, 'utf8');
    expect(csvText.split('\n')[0]).toBe(
      'batchId,conversationId,turn,line,agentId,input,status,chatId,previousChatId,chatStatus,response,reply,attempts,error,completedAt',
    );
    // A cell a spreadsheet would run as a formula is neutralised.
    expect(csvText).toContain("'=1+2 hello");
    expect(csvText).not.toMatch(/,=1\+2/);
  });

  it('status exits 4 when done with failures, 1 for an unknown batch, 124 on timeout', async () => {
    const csv = await file('fail.csv', 'input,agent_id\nrefuse me,ag\nfine,ag\n');
    expect((await runCli(['ingest', csv, '--batch', 'cli-fail'], env)).code).toBe(0);
    const done = await runCli(['status', 'cli-fail', '--wait', '--timeout', '30'], env);
    expect(done.code).toBe(4);
    expect(done.stdout).toContain('1 failed');
    expect((await runCli(['status', 'nope'], env)).code).toBe(1);
    expect((await runCli(['results', 'nope'], env)).code).toBe(1);
    expect((await runCli(['cancel', 'nope'], env)).code).toBe(1);

    const paused = await file('paused.csv', 'input,agent_id\nlater,ag\n');
    expect((await runCli(['ingest', paused, '--batch', 'cli-paused'], env)).code).toBe(0);
    expect((await runCli(['pause', 'cli-paused'], env)).code).toBe(0);
    const waited = await runCli(['status', 'cli-paused', '--wait', '--timeout', '1'], env);
    expect(waited.code).toBe(124);
    expect((await runCli(['resume', 'cli-paused'], env)).code).toBe(0);
    expect((await runCli(['status', 'cli-paused', '--wait', '--timeout', '30'], env)).code).toBe(0);
  });

  it('ingest exits 1 for an unreadable file, 2 for bad usage, 3 with --strict and a bad row', async () => {
    const missing = await runCli(['ingest', join(dir, 'missing.csv'), '--batch', 'x'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing.csv');
    expect((await runCli(['ingest', 'a.csv'], env)).code).toBe(2);
    expect((await runCli(['ingest', 'a.csv', '--batch', 'bad id!'], env)).code).toBe(2);
    const bad = await file('bad.csv', 'input,agent_id\nok,ag\n  ,ag\n');
    const strict = await runCli(
      ['ingest', bad, '--batch', 'cli-strict', '--strict', '--json'],
      env,
    );
    expect(strict.code).toBe(3);
    expect(JSON.parse(strict.stdout)).toMatchObject({
      rejected: 1,
      rejectedRows: [{ line: 3, conversationId: 'line-3', errors: ['input: must not be empty'] }],
    });
    expect((await runCli(['status', 'cli-strict'], env)).code).toBe(1);
    const unreachable = await runCli(['ingest', bad, '--batch', 'y'], {
      ...env,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach Redis/);
  });
});

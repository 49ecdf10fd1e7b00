import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { CLI, runCli } from '../helpers/cli.js';

/** What a first-time user of the command line meets, as the issue "what a new user trips on" lists it. */
let pipeline: Pipeline;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  pipeline = await createPipeline({ label: 'frictions' });
  env = pipeline.env;
  dir = await mkdtemp(join(tmpdir(), 'chatbatch-frictions-'));
});
afterAll(async () => {
  await pipeline.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal
 * would; returns everything the terminal received.
 */
function onTerminal(
  args: string[],
  extraEnv: Record<string, string>,
  wrapper: string[] = [],
): Promise<string> {
  const command = [...wrapper, process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      env: { ...process.env, ...extraEnv, COLUMNS: '80', LINES: '24', TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

/** The lines a terminal shows, cursor and colour codes taken as line breaks. */
function screenLines(raw: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = raw.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, '\n');
  return plain.split(/[\r\n]+/).filter((line) => line.trim() !== '');
}

describe('the command line for a new user', () => {
  it('has --version, and help that says what is required and what a worker needs', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = await runCli(['--version'], {});
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    const worker = await runCli(['worker', '--help'], {});
    for (const variable of ['SIGMAMIND_API_KEY', 'REDIS_URL', 'METRICS_PORT', 'SIGMAMIND_BASE_URL'])
      expect(worker.stdout).toContain(variable);
    expect(worker.stdout).toMatch(/SIGMAMIND_API_KEY +required/);
    for (const line of worker.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);

    expect((await runCli(['ingest', '--help'], {})).stdout).toMatch(/--batch <id> +\(required\)/);
    const demo = (await runCli(['demo', '--help'], {})).stdout;
    expect(demo.match(/default/g)).toHaveLength(1);
    expect(demo).not.toContain('/examples/demo.csv"');
  });

  it('reads a semicolon export, says which separator it used, warns about near-miss headers', async () => {
    const csv = await file(
      'excel.csv',
      '\uFEFFConversation_ID;input;Agent ID\nc1;Bonjour;x\nc1;Encore;\n',
    );
    const ingest = await runCli(['ingest', csv, '--batch', 'fr-semi', '--agent-id', 'ag'], env);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stdout).toContain(
      '→ batch fr-semi: 1 conversation, 1 accepted (2 turns) enqueued, 0 rejected',
    );
    expect(ingest.stdout).toContain(
      '  cells separated by ";" (detected from the header; --delimiter to choose)',
    );
    expect(ingest.stdout).toContain(
      'warning: header column 3 "Agent ID" is not the reserved column "agent_id"',
    );
    const json = JSON.parse(
      (
        await runCli(
          ['ingest', csv, '--batch', 'fr-semi', '--agent-id', 'ag', '--json', '--dry-run'],
          env,
        )
      ).stdout,
    );
    expect(json).toMatchObject({ delimiter: ';', duplicates: 1 });
    expect(json.warnings).toHaveLength(1);

    const strict = await runCli(
      ['ingest', csv, '--batch', 'fr-strict', '--agent-id', 'ag', '--strict'],
      env,
    );
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/"Agent ID" is not the reserved column "agent_id"/);

    const tabs = await file('tabs.txt', 'input\tagent_id\tcity\nhi, you\tag\tLyon\n');
    for (const name of ['\\t', 'tab']) {
      const given = await runCli(
        ['ingest', tabs, '--batch', 'fr-tab', '--delimiter', name, '--json', '--dry-run'],
        env,
      );
      expect(JSON.parse(given.stdout)).toMatchObject({ delimiter: '\t', accepted: 1 });
    }
    const bad = await runCli(['ingest', tabs, '--batch', 'x', '--delimiter', 'ab'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--delimiter: must be exactly one character');
  });

  it('names the span of a quote left open and the conversations lost inside it', async () => {
    const csv = await file(
      'open-quote.csv',
      'conversation_id,agent_id,input\nc1,ag,"Hello\nc2,ag,second\nc3,ag,third\n',
    );
    const ingest = await runCli(['ingest', csv, '--batch', 'fr-quote', '--json'], env);
    const report = JSON.parse(ingest.stdout);
    expect(report).toMatchObject({ accepted: 0, rejected: 3 });
    expect(
      report.rejectedRows.map((r: { line: number; conversationId: string }) => [
        r.line,
        r.conversationId,
      ]),
    ).toEqual([
      [2, 'c1'],
      [3, 'c2'],
      [4, 'c3'],
    ]);
    expect(report.rejectedRows[0].errors).toEqual([
      'csv: a quote opened on line 2 runs to the end of the file, so lines 2–4 were read as one quoted cell',
      'csv: the conversations of lines 3–4 are inside it, so rejected too: c2, c3',
    ]);
  });

  it('lists batches, shows one conversation, writes results for a spreadsheet', async () => {
    const csv = await file(
      'chain.csv',
      'conversation_id,agent_id,input\nch1,ag,Where is my order?\nch1,ag,It was due Monday.\n',
    );
    expect((await runCli(['ingest', csv, '--batch', 'fr-chain'], env)).code).toBe(0);
    await pipeline.waitSettled('fr-chain');

    const batches = await runCli(['batches', '--limit', '5'], env);
    expect(batches.code).toBe(0);
    const lines = batches.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^BATCH +STATE +CONVERSATIONS +FINISHED +FAILED +CREATED \(UTC\)$/);
    expect(lines[1]).toMatch(/^fr-chain +completed +1 +1 +0 +\d{4}-\d\d-\d\d \d\d:\d\d$/);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    const listed = JSON.parse((await runCli(['batches', '--json'], env)).stdout);
    expect(listed.batches[0]).toMatchObject({ batchId: 'fr-chain', state: 'completed' });

    const chain = await runCli(['conversation', 'fr-chain', 'ch1'], env);
    expect(chain.code).toBe(0);
    const view = (await pipeline.producer.batchStore.conversation('fr-chain', 'ch1'))!;
    expect(chain.stdout).toContain(
      'conversation ch1 of batch fr-chain: completed, agent ag, 2 turns',
    );
    expect(chain.stdout).toContain(
      `  turn 2: completed, chat ${view.turns[1]!.chatId}, after ${view.turns[0]!.chatId}, 1 attempt`,
    );
    expect(chain.stdout).toContain('    customer: Where is my order?');
    expect(chain.stdout).toContain(`    agent:    ${view.turns[0]!.reply}`);
    expect(view.turns[0]!.reply).toMatch(/^You said "Where is my order\?"/);
    expect((await runCli(['conversation', 'fr-chain', 'nope'], env)).code).toBe(1);
    expect((await runCli(['conversation', 'nope', 'ch1'], env)).code).toBe(1);

    const out = join(dir, 'excel.csv');
    const results = await runCli(
      ['results', 'fr-chain', '--format', 'csv', '--delimiter', ';', '--bom', '--out', out],
      env,
    );
    expect(results.code).toBe(0);
    const bytes = await readFile(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.split('\n')[0]).toContain(';chatStatus;response;reply;attempts;');
    const quoted = `"${view.turns[1]!.reply!.replaceAll('"', '""')}"`;
    expect(text).toContain(`;${quoted};1;`);
    expect((await runCli(['results', 'fr-chain', '--bom'], env)).code).toBe(2);
  });

  it('on a terminal: logs for people, progress in bytes, status --watch within 80 columns', async () => {
    const rows = ['conversation_id,agent_id,input'];
    for (let i = 0; i < 3000; i++) rows.push(`t${i},ag,message number ${i}`);
    const csv = await file('progress.csv', `${rows.join('\n')}\n`);
    const ingest = await onTerminal(['ingest', csv, '--batch', 'fr-tty'], env);
    const size = (await readFile(csv)).length;
    expect(ingest).toMatch(/read \[[█░]+\] 100% \d+\.\d KB\/\d+\.\d KB, 3,000 rows/);
    expect(ingest).toContain(`${(size / 1024).toFixed(1)} KB`);
    expect(ingest).not.toContain('/0');

    await pipeline.waitSettled('fr-tty', 60_000);
    const watch = await onTerminal(['status', 'fr-tty', '--watch'], env);
    expect(watch).toContain('batch fr-tty: completed');
    for (const line of screenLines(watch)) expect(line.length, line).toBeLessThanOrEqual(80);

    // A worker's logs on a terminal: human lines, not JSON (stopped by SIGINT after 4 s).
    const logs = await onTerminal(['worker'], { ...env, LOG_LEVEL: 'info' }, [
      'timeout',
      '-s',
      'INT',
      '4',
    ]);
    // eslint-disable-next-line no-control-regex
    const plain = logs.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/\d\d:\d\d:\d\d\.\d{3} INFO +worker started concurrency=50/);
    expect(plain).toMatch(/INFO +stopped/);
    expect(logs).not.toContain('"msg"');
    expect(logs).not.toContain(env.SIGMAMIND_API_KEY);
  });
});

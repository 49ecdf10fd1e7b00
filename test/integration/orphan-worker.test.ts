import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { CLI, waitFor } from '../helpers/cli.js';

/**
 * `npx chatbatch worker &` then `kill %1`: npm runs the bin through `sh -c`, and killing npx
 * takes the shell down but not node, which went on sending. A worker npm started now stops (as
 * on SIGTERM) when its parent goes; one started directly outlives its parent, as `nohup` wants.
 * The test stands in for npx with a shell that does not exec node (as dash does for npm), and
 * the environment variable npm gives its children.
 */
let pipeline: Pipeline;
const leftovers: number[] = [];
beforeAll(async () => {
  pipeline = await createPipeline({ label: 'orphan', worker: false });
});
afterAll(() => pipeline.close());
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A shell running the worker as its child; the worker's output is collected. */
async function workerUnderShell(env: Record<string, string>) {
  // What npm puts in its children's environment; `npm test` itself runs us under npm.
  const inherited = { ...process.env };
  delete inherited.npm_command;
  delete inherited.npm_lifecycle_event;
  const shell: ChildProcess = spawn(
    'sh',
    ['-c', `"${process.execPath}" "${CLI}" worker; echo "worker exited $?"`],
    { env: { ...inherited, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  shell.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  shell.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => output.includes('worker started'), {
    timeoutMs: 20_000,
    what: 'the worker to start',
  });
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(shell.pid)], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split(/\s+/)
    .map(Number);
  expect(children).toHaveLength(1);
  const workerPid = children[0]!;
  leftovers.push(workerPid);
  return { shell, workerPid, output: () => output };
}

describe('a worker started through npm', () => {
  it('stops cleanly when npx and its shell are killed, instead of running on orphaned', async () => {
    const { shell, workerPid, output } = await workerUnderShell({
      ...pipeline.env,
      npm_command: 'exec',
    });
    shell.kill('SIGKILL');
    await waitFor(() => !alive(workerPid), { timeoutMs: 15_000, what: 'the orphan to stop' });
    expect(output()).toContain('"signal":"parent exited"');
    expect(output()).toContain('"msg":"stopped"');
  });

  it('run directly, it outlives its parent (nohup, process managers)', async () => {
    const { shell, workerPid } = await workerUnderShell(pipeline.env);
    shell.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(alive(workerPid)).toBe(true);
  });
});

import type { Spawned } from './cli.js';
import type { Pipeline } from './pipeline.js';

/**
 * Kills (SIGKILL) the spawned processes still running and waits for each to exit, so that no
 * worker outlives what it works against (a Redis, a prefix, a simulator). Empties `processes`
 * for the next test.
 */
export async function stopProcesses(processes: Spawned[]): Promise<void> {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
}

/** The end of a test that spawned CLI processes over a pipeline: the processes, then the pipeline. */
export async function stopProcessesThenPipeline(
  processes: Spawned[],
  pipeline: Pipeline | undefined,
): Promise<void> {
  await stopProcesses(processes);
  await pipeline?.close();
}

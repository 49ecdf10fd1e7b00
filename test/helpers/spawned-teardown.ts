import type { Spawned } from './cli.js';
import type { Pipeline } from './pipeline.js';

/**
 * The end of a test that spawned CLI processes over a pipeline: kills (SIGKILL) the processes
 * still running and waits for each to exit, and only then closes the pipeline, so no worker
 * outlives the Redis prefix and simulator it works against. Empties `processes` for the next test.
 */
export async function stopProcessesThenPipeline(
  processes: Spawned[],
  pipeline: Pipeline | undefined,
): Promise<void> {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  await pipeline?.close();
}

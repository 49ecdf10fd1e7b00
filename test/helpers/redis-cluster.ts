import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The script that starts and stops a 3-master cluster (also usable by hand). */
export const CLUSTER_SCRIPT = fileURLToPath(
  new URL('../../scripts/redis-cluster.sh', import.meta.url),
);

const run = promisify(execFile);
const MASTERS = 3;
/** Cluster nodes talk to each other on port + 10000 (the cluster bus). */
const BUS_OFFSET = 10_000;

export interface TestCluster {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  readonly url: string;
  readonly ports: readonly number[];
  /** Stops every node and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose three client ports and three bus ports are all free right now. */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: MASTERS }, (_, i) => base + i);
    const all = [...ports, ...ports.map((p) => p + BUS_OFFSET)];
    if ((await Promise.all(all.map(portFree))).every(Boolean)) return base;
  }
  throw new Error('no free ports for a test Redis Cluster');
}

/**
 * Starts a throwaway 3-master Redis Cluster on loopback (scripts/redis-cluster.sh) on free ports
 * and waits for cluster_state:ok. The nodes also stop if this process exits without `stop()`.
 */
export async function startRedisCluster(): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'chatbatch-cluster-'));
  const base = await freeBasePort();
  const stopNow = () => spawnSync(CLUSTER_SCRIPT, ['stop', dir], { stdio: 'ignore' });
  process.once('exit', stopNow);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopNow);
    await run(CLUSTER_SCRIPT, ['stop', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { stdout } = await run(CLUSTER_SCRIPT, ['start', dir, String(base)], {
      timeout: 40_000,
    });
    return {
      url: stdout.trim(),
      ports: Array.from({ length: MASTERS }, (_, i) => base + i),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

import { readFile } from 'node:fs/promises';
import { startThrowawayRedis } from '../../src/cli/throwaway-redis.js';
import { connect, info } from './redis-ns.js';

/** The Redis the suite measures against. */
export interface BenchRedis {
  url: string;
  /**
   * The redis-server's process id when it runs on this machine (its CPU is then read from
   * /proc/<pid>/stat); undefined for a remote one (INFO cpu is used instead).
   */
  pid: number | undefined;
  /** Whether the suite started it (and stops it at the end). */
  owned: boolean;
  stop(): Promise<void>;
}

/** Whether `pid` is a live redis-server (or valkey-server) process on this machine. */
async function isLocalRedisServer(pid: number): Promise<boolean> {
  try {
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return /^(redis|valkey)-server/.test(comm);
  } catch {
    return false;
  }
}

/**
 * The suite's Redis: `BENCH_REDIS_URL` when given (used as is, keys under fresh prefixes,
 * deleted afterwards), otherwise a private redis-server on a free port with nothing on disk
 * (src/cli/throwaway-redis.ts: `--save "" --appendonly no`). A private one is the default
 * because the machine's shared Redis also serves other people's tests, whose CPU could not be
 * told apart from the bench's.
 */
export async function openBenchRedis(env: NodeJS.ProcessEnv = process.env): Promise<BenchRedis> {
  const given = env.BENCH_REDIS_URL?.trim();
  if (given) {
    const probe = connect(given);
    try {
      const pid = Number((await info(probe, 'server')).get('process_id'));
      const local = Number.isInteger(pid) && pid > 0 && (await isLocalRedisServer(pid));
      return { url: given, pid: local ? pid : undefined, owned: false, stop: async () => {} };
    } finally {
      probe.disconnect();
    }
  }
  const server = await startThrowawayRedis();
  return { url: server.url, pid: server.process.pid, owned: true, stop: () => server.stop() };
}

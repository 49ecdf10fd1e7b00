import { startThrowawayRedis, type ThrowawayRedis } from '../src/cli/throwaway-redis.js';

/** One time the Redis server was away. */
export interface RedisOutage {
  /** Epoch ms the stop signal was sent. */
  downAt: number;
  /** Epoch ms the new server answered PING. */
  upAt: number;
  signal: 'SIGTERM' | 'SIGKILL';
}

/**
 * A private redis-server with AOF (`appendfsync always`, so an acknowledged write survives even
 * SIGKILL) that the chaos can stop and start again on the same port.
 */
export interface ChaosRedis {
  readonly url: string;
  readonly outages: readonly RedisOutage[];
  /** Stops the server with `signal`, waits `downMs`, starts it again on the same port. */
  restart(signal: 'SIGTERM' | 'SIGKILL', downMs: number): Promise<RedisOutage>;
  stop(): Promise<void>;
  /** SIGKILL, synchronously (for a process `exit` handler). */
  kill(): void;
}

export async function startChaosRedis(appendOnlyDir: string): Promise<ChaosRedis> {
  const start = (port?: number) =>
    startThrowawayRedis({ port, appendOnlyDir, appendFsync: 'always' });
  let server: ThrowawayRedis = await start();
  const port = server.port;
  const outages: RedisOutage[] = [];

  const halt = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const child = server.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };

  return {
    url: server.url,
    outages,
    async restart(signal, downMs) {
      const downAt = Date.now();
      await halt(signal);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await start(port);
      const outage = { downAt, upAt: Date.now(), signal };
      outages.push(outage);
      return outage;
    },
    stop: () => halt('SIGTERM'),
    kill: () => void server.process.kill('SIGKILL'),
  };
}

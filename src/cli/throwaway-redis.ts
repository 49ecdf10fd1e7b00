import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { sleep } from '../shared/clock.js';

export interface ThrowawayRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts a private redis-server on a free loopback port, keeping nothing on disk unless
 * `appendOnlyDir` is given (then AOF on, in that folder: it survives a restart).
 */
export async function startThrowawayRedis(
  options: {
    port?: number;
    appendOnlyDir?: string;
    /** AOF fsync policy with `appendOnlyDir`. Default Redis's own (`everysec`). */
    appendFsync?: 'always' | 'everysec' | 'no';
    /** Also listen on this address (a test host's); the URL then names it. Default none. */
    alsoBind?: string;
    /** Require this password (protected mode refuses other hosts without one). Default none. */
    password?: string;
  } = {},
): Promise<ThrowawayRedis> {
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    ...(options.alsoBind ? [options.alsoBind] : []),
    ...(options.password ? ['--requirepass', options.password] : []),
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
  args.push(
    ...(options.appendOnlyDir
      ? ['--appendonly', 'yes', '--dir', options.appendOnlyDir]
      : ['--appendonly', 'no']),
  );
  if (options.appendOnlyDir && options.appendFsync) args.push('--appendfsync', options.appendFsync);
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const auth = options.password ? `:${options.password}@` : '';
  const url = `redis://${auth}${options.alsoBind ?? '127.0.0.1'}:${port}`;
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  for (let i = 0; ; i++) {
    try {
      if (probe.status !== 'ready') await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (i > 50 || child.exitCode !== null) {
        probe.disconnect();
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}`);
      }
      probe.disconnect();
      await sleep(100);
    }
  }
  probe.disconnect();
  return {
    url,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

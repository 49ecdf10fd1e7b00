import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/cli/throwaway-redis.js';
import { waitFor } from './cli.js';

export const MASTER_NAME = 'chatbatch-primary';

/** A primary, one replica and three sentinels on loopback, for failover tests. */
export interface TestSentinelSet {
  /** `redis+sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/<MASTER_NAME>` */
  readonly url: string;
  readonly primaryPort: number;
  readonly replicaPort: number;
  /** SIGKILLs the primary (no shutdown save, no goodbye to the replica). */
  killPrimary(): void;
  /**
   * Stops the replication stream (the replica reaches the primary through a TCP hop that now
   * drops what the primary sends): writes the primary acknowledges from here on never reach
   * the replica. The replication lag a failover can lose, made as long as a test wants.
   */
  holdReplication(): void;
  /** host:port the sentinels name as primary right now. */
  currentPrimary(): Promise<string>;
  stop(): Promise<void>;
}

interface ReplicationHop {
  port: number;
  hold(): void;
  close(): Promise<void>;
}

/** A TCP hop from the replica to the primary that can stop passing the primary's stream on. */
async function startReplicationHop(primaryPort: number): Promise<ReplicationHop> {
  let holding = false;
  const sockets = new Set<Socket>();
  const server = createServer((replica) => {
    const primary = connect(primaryPort, '127.0.0.1');
    sockets.add(replica).add(primary);
    replica.pipe(primary);
    primary.on('data', (data) => {
      if (!holding) replica.write(data);
    });
    const close = () => {
      replica.destroy();
      primary.destroy();
    };
    replica.on('error', close).on('close', close);
    primary.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    hold: () => {
      holding = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const CONNECT = { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null } as const;

async function answers(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', ...CONNECT });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts the set with fast failure detection (`down-after-milliseconds` 1000, failover timeout
 * 3000) and waits until the sentinels know the replica and each other, so a failover can be
 * authorised (quorum 2 of 3). Processes also die if this process exits without `stop()`.
 */
export async function startSentinelSet(): Promise<TestSentinelSet> {
  const dir = await mkdtemp(join(tmpdir(), 'chatbatch-sentinel-'));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const server = (args: string[]) => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  // Diskless sync without Redis 7's default 5 s wait: the replica is in sync in a moment, even
  // on a loaded machine.
  const common = [
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--repl-diskless-sync-delay',
    '0',
  ];
  let hop: ReplicationHop | undefined;
  const stop = async () => {
    process.off('exit', killAll);
    await hop?.close();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const primaryPort = await freePort();
    const replicaPort = await freePort();
    hop = await startReplicationHop(primaryPort);
    const primary = server([
      '--port',
      String(primaryPort),
      ...common,
      '--maxmemory-policy',
      'noeviction',
    ]);
    server([
      '--port',
      String(replicaPort),
      ...common,
      '--maxmemory-policy',
      'noeviction',
      '--replicaof',
      '127.0.0.1',
      String(hop.port),
    ]);
    // Sentinels find replicas through INFO (every 10 s) and each other through hello messages
    // (every 2 s); both are written into their configs instead, so the set is ready at once.
    const sentinels = await Promise.all(
      [0, 1, 2].map(async (i) => ({ port: await freePort(), id: `${i + 1}`.repeat(40) })),
    );
    const sentinelPorts = sentinels.map((sentinel) => sentinel.port);
    for (const { port, id } of sentinels) {
      // Sentinel rewrites its config file: each gets its own.
      const file = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel myid ${id}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 3000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          `sentinel known-replica ${MASTER_NAME} 127.0.0.1 ${replicaPort}`,
          ...sentinels
            .filter((other) => other.port !== port)
            .map(
              (other) =>
                `sentinel known-sentinel ${MASTER_NAME} 127.0.0.1 ${other.port} ${other.id}`,
            ),
          '',
        ].join('\n'),
      );
      server([file, '--sentinel']);
    }

    const admin = (port: number) => {
      const client = new Redis({ port, host: '127.0.0.1', ...CONNECT });
      client.on('error', () => undefined);
      return client;
    };
    await waitFor(
      async () =>
        (await Promise.all([primaryPort, replicaPort, ...sentinelPorts].map(answers))).every(
          Boolean,
        ),
      {
        timeoutMs: 15_000,
        what: 'redis-server processes',
      },
    );
    const replicaClient = admin(replicaPort);
    await waitFor(
      async () =>
        /master_link_status:up/.test(await replicaClient.info('replication').catch(() => '')),
      { timeoutMs: 30_000, what: 'the replica to sync' },
    );
    replicaClient.disconnect();
    // Until each sentinel knows the replica and the others, no failover can be agreed.
    await waitFor(
      async () => {
        for (const port of sentinelPorts) {
          const sentinel = admin(port);
          try {
            await sentinel.connect();
            const replicas = (await sentinel.call(
              'SENTINEL',
              'REPLICAS',
              MASTER_NAME,
            )) as unknown[];
            const others = (await sentinel.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
            if (replicas.length < 1 || others.length < 2) return false;
          } catch {
            return false;
          } finally {
            sentinel.disconnect();
          }
        }
        return true;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 250,
        what: 'the sentinels to see the replica and each other',
      },
    );

    return {
      url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${MASTER_NAME}`,
      primaryPort,
      replicaPort,
      killPrimary: () => primary.kill('SIGKILL'),
      holdReplication: () => hop!.hold(),
      async currentPrimary() {
        const sentinel = admin(sentinelPorts[0]!);
        try {
          await sentinel.connect();
          const [host, port] = (await sentinel.call(
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            MASTER_NAME,
          )) as [string, string];
          return `${host}:${port}`;
        } finally {
          sentinel.disconnect();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

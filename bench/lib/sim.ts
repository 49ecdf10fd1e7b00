import { fork, type ChildProcess } from 'node:child_process';
import { benchProgram } from './paths.js';
import { CAPACITY_PATH } from '../../src/simulator/index.js';
import type { SimLog, SimMessage, SimOptions, SimReply } from './sim-protocol.js';

export type { SimLog, SimOptions } from './sim-protocol.js';

export const BENCH_API_KEY = 'sk-bench-0123456789';

export interface SimProcess {
  readonly url: string;
  readonly pid: number;
  /** Forgets the log and the recorded times. */
  reset(): Promise<void>;
  /** The log since the last reset (copied over IPC: call it outside measured time). */
  log(): Promise<SimLog>;
  /** Changes the capacity through the simulator's control route (undefined = no limit). */
  setCapacity(capacity: number | undefined): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the simulator in its own node process (see sim-server.ts). */
export async function startSimulator(options: SimOptions = {}): Promise<SimProcess> {
  const program = benchProgram('lib/sim-server');
  const args = [JSON.stringify({ apiKey: BENCH_API_KEY, ...options })];
  const child: ChildProcess = fork(program.script, args, {
    execArgv: program.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T extends SimReply['type']>(type: T) =>
    new Promise<Extract<SimReply, { type: T }>>((resolve, reject) => {
      const onMessage = (message: SimReply) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message as Extract<SimReply, { type: T }>);
      };
      child.on('message', onMessage);
      void exited.then(() => reject(new Error(`simulator exited while waiting for ${type}`)));
    });
  const send = (message: SimMessage) => child.send(message);
  const ready = await next('ready');
  return {
    url: ready.url,
    pid: child.pid!,
    async reset() {
      const done = next('reset-done');
      send({ type: 'reset' });
      await done;
    },
    async log() {
      const reply = next('log');
      send({ type: 'log' });
      return (await reply).log;
    },
    async setCapacity(capacity) {
      const response = await fetch(`${ready.url}${CAPACITY_PATH}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ capacity: capacity ?? null }),
      });
      if (!response.ok) throw new Error(`PUT ${CAPACITY_PATH}: ${response.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

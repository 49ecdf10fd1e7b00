import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, run exactly as users run it (`npm run chaos` builds first). */
export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** One SIGKILL the fleet sent. */
export interface KillEvent {
  /** Epoch ms the signal was sent. */
  at: number;
  slot: number;
  pid: number;
}

/** How a worker ended after the fleet's SIGTERM. */
export interface WorkerStop {
  slot: number;
  /** Exit code, null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** How long the process had run when it was told to stop, ms. */
  ageMs: number;
  /**
   * Whether it had logged "worker started". Before that (Node still loading modules, ~1 s) no
   * signal handler exists and SIGTERM ends it at once, which loses nothing: it had no work.
   */
  ready: boolean;
}

interface Slot {
  child: ChildProcess | undefined;
  exited: Promise<void>;
  generation: number;
}

/**
 * N worker processes of `chatbatch worker` with their output in `logDir/worker-<slot>-<gen>.log`.
 * Kills with SIGKILL at random, restarts killed slots, and stops the rest with SIGTERM.
 */
export interface WorkerFleet {
  readonly kills: readonly KillEvent[];
  /** Worker processes started so far (restarts included). */
  readonly started: number;
  /** How each worker stopped with SIGTERM ended (each must exit 0). */
  readonly stops: readonly WorkerStop[];
  /** SIGKILLs one running worker (chosen by `random`); undefined when none runs. */
  killOne(random: () => number): KillEvent | undefined;
  /** Starts slot again (after a kill). */
  restart(slot: number): void;
  /** Slots whose process is not running. */
  idleSlots(): number[];
  /** SIGTERM to every worker; SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
  /** Last lines of the worker logs at `error` level or worse, connection errors left out. */
  errorLines(): string[];
  /** Conversations the stuck-work watchdog had to queue again (from the workers' logs). */
  watchdogRequeues(): number;
  /** SIGKILLs every worker at once, synchronously (for a process `exit` handler). */
  killAll(): void;
}

export function startFleet(options: {
  size: number;
  env: Record<string, string>;
  logDir: string;
}): WorkerFleet {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const slots: Slot[] = [];
  const kills: KillEvent[] = [];
  const stops: WorkerStop[] = [];
  let stopAt = 0;
  const logs: WriteStream[] = [];
  const errors: string[] = [];
  // Children the chaos killed on purpose: their SIGKILL exit is expected, not a failed stop.
  const killedOnPurpose = new WeakSet<ChildProcess>();
  let started = 0;
  let stopping = false;
  let requeued = 0;

  const launch = (slot: number) => {
    const generation = (slots[slot]?.generation ?? 0) + 1;
    const log = createWriteStream(path.join(options.logDir, `worker-${slot}-${generation}.log`));
    logs.push(log);
    const spawnedAt = Date.now();
    let ready = false;
    const child = spawn(process.execPath, [CLI, 'worker'], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started++;
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      for (const line of chunk.toString().split('\n')) {
        // pino levels: 50 error, 60 fatal.
        // Connection errors while Redis is down are expected and many: keep the others.
        if (/"level":(50|60)/.test(line) && !/ECONNREFUSED|ECONNRESET/.test(line))
          errors.push(`worker ${slot}.${generation}: ${line}`);
        if (line.includes('"msg":"worker started"')) ready = true;
        if (line.includes('watchdog: requeued'))
          requeued += Number(/"conversations":(\d+)/.exec(line)?.[1] ?? 1);
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        log.end();
        if (stopping && !killedOnPurpose.has(child))
          stops.push({ slot, code, signal, ageMs: stopAt - spawnedAt, ready });
        const current = slots[slot];
        if (current?.child === child) current.child = undefined;
        resolve();
      }),
    );
    slots[slot] = { child, exited, generation };
  };

  for (let slot = 0; slot < options.size; slot++) launch(slot);

  return {
    kills,
    get started() {
      return started;
    },
    stops,
    killOne(random) {
      const running = slots.flatMap((s, i) => (s.child ? [i] : []));
      if (running.length === 0) return undefined;
      const slot = running[Math.floor(random() * running.length)]!;
      const child = slots[slot]!.child!;
      const event = { at: Date.now(), slot, pid: child.pid ?? -1 };
      killedOnPurpose.add(child);
      child.kill('SIGKILL');
      slots[slot]!.child = undefined;
      kills.push(event);
      return event;
    },
    restart(slot) {
      if (!stopping && !slots[slot]?.child) launch(slot);
    },
    idleSlots() {
      return slots.flatMap((s, i) => (s.child ? [] : [i]));
    },
    async stop(graceMs) {
      stopping = true;
      stopAt = Date.now();
      const running = slots.filter((s) => s.child);
      for (const s of running) s.child!.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const s of running) s.child?.kill('SIGKILL');
      }, graceMs);
      await Promise.all(slots.map((s) => s.exited));
      clearTimeout(timer);
      await Promise.all(logs.map((l) => new Promise((resolve) => l.end(resolve))));
    },
    errorLines: () => errors.slice(-10),
    watchdogRequeues: () => requeued,
    killAll() {
      for (const s of slots) s.child?.kill('SIGKILL');
    },
  };
}

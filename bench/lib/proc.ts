import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpuSeconds } from './proc-cpu.js';

/** Output kept per child, for error messages: the tail is what explains a failure. */
const OUTPUT_TAIL_CHARS = 64 * 1024;
/** How often peak memory is sampled, in ms. */
const RSS_POLL_MS = 50;

export interface NodeChild {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The last 64 KiB of stdout + stderr. */
  output(): string;
  /** Resolves when the output matches, rejects on timeout or early exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Peak resident set (VmHWM) seen so far, in bytes; 0 unless `trackRss`. */
  peakRssBytes(): number;
  /** CPU time (user + system) last seen, in s (sampled with the RSS); 0 unless `trackRss`. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

const running = new Set<NodeChild>();

/** Kills every child still running (on an error or Ctrl-C), so no process outlives the bench. */
export function killAll(): void {
  for (const c of running) if (c.child.exitCode === null) c.child.kill('SIGKILL');
}

/** Reads VmHWM (peak RSS) of a live process, in bytes; undefined once it is gone. */
export async function readPeakRss(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Reads VmRSS (resident set now) of a live process, in bytes; undefined once it is gone. */
export async function readRss(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Spawns `node <args>` with the given environment (added to this process's). Output is drained
 * continuously so a chatty child never blocks on a full pipe.
 */
export function spawnNode(
  name: string,
  args: string[],
  options: { env?: Record<string, string>; nodeArgs?: string[]; trackRss?: boolean } = {},
): NodeChild {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn node`);
  const pid = child.pid;
  let out = '';
  const waiters: { pattern: RegExp; resolve(): void }[] = [];
  const onData = (data: Buffer) => {
    out += data.toString();
    if (out.length > OUTPUT_TAIL_CHARS * 2) out = out.slice(-OUTPUT_TAIL_CHARS);
    for (const w of [...waiters]) {
      if (w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let peak = 0;
  let cpu = 0;
  let poller: NodeJS.Timeout | undefined;
  if (options.trackRss) {
    const poll = async () => {
      const hwm = await readPeakRss(pid);
      if (hwm !== undefined) peak = Math.max(peak, hwm);
      cpu = await cpuSeconds(pid).catch(() => cpu);
    };
    void poll();
    poller = setInterval(() => void poll(), RSS_POLL_MS);
  }

  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      if (poller) clearInterval(poller);
      running.delete(handle);
      resolve(code);
    });
  });

  const handle: NodeChild = {
    name,
    child,
    pid,
    exited,
    output: () => out.slice(-OUTPUT_TAIL_CHARS),
    peakRssBytes: () => peak,
    cpuSeconds: () => cpu,
    waitFor(pattern, timeoutMs = 30_000) {
      if (pattern.test(out)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms\n${out.slice(-2000)}`));
        }, timeoutMs);
        const waiter = {
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.push(waiter);
        void exited.then((code) => {
          if (!waiters.includes(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`${name}: exited (${code}) before ${pattern}\n${out.slice(-2000)}`));
        });
      });
    },
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(handle);
  return handle;
}

/** Runs `node <args>` to completion; throws with its output when the exit code is not 0. */
export async function runNode(
  name: string,
  args: string[],
  options: { env?: Record<string, string>; nodeArgs?: string[]; trackRss?: boolean } = {},
): Promise<{ output: string; seconds: number; peakRssBytes: number; cpuSeconds: number }> {
  const started = performance.now();
  const child = spawnNode(name, args, options);
  const code = await child.exited;
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${child.output().slice(-3000)}`);
  return {
    output: child.output(),
    seconds,
    peakRssBytes: child.peakRssBytes(),
    cpuSeconds: child.cpuSeconds(),
  };
}

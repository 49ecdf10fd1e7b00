import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import type { Redis } from 'ioredis';
import { info } from './redis-ns.js';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  /** 1-minute load average when the bench started (others may be using the machine). */
  loadAverage1m: number;
  kernel: string;
  node: string;
  redis: string;
  bullmq: string;
  placement: string;
}

/** What the numbers were measured on. */
export async function describeMachine(redis: Redis, bullmqVersion: string): Promise<Machine> {
  const server = await info(redis, 'server');
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    kernel: release(),
    node: process.version,
    redis: server.get('redis_version') ?? 'unknown',
    bullmq: bullmqVersion,
    placement:
      'no CPU pinning: worker process(es), the simulator (own node process), redis-server and the ' +
      'bench (polls Redis every 20 ms) share all cores; baseline and chatbatch get the same placement',
  };
}

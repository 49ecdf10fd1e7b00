import type { Redis } from 'ioredis';

/** What every scenario gets from run.ts. */
export interface ScenarioContext {
  /** The suite's Redis: its own throwaway redis-server unless BENCH_REDIS_URL is given. */
  redis: Redis;
  /** Its URL (worker processes connect to it). */
  redisUrl: string;
  /** Its redis-server's pid when it runs here (for its CPU); undefined for a remote one. */
  redisPid: number | undefined;
  /** Smaller workloads and one run each (`--quick`). */
  quick: boolean;
  /** Measured runs per implementation where time allows (`--runs`, default 3; 1 when quick). */
  runs: number;
  /** Temporary folder for CSVs and logs; removed at the end. */
  tmpDir: string;
  /** When set (`--profile`), profile chatbatch into this folder. */
  profileDir: string | undefined;
  /** Progress line on stderr. */
  log(message: string): void;
}

/** One line of the table. */
export interface Metric {
  metric: string;
  unit: string;
  chatbatch: number | null;
  baseline: number | null;
  /** chatbatch ÷ baseline, when that means something. */
  ratio: number | null;
  /** The target, as text (e.g. `≥ 0.9× baseline`). */
  target: string | null;
  /** Whether the target holds; null when there is none. */
  met: boolean | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** Wall time of the scenario, in s. */
  seconds: number;
  metrics: Metric[];
  /** How it was measured: sizes, placement, caveats. */
  notes: string[];
  /** Raw per-run numbers, for latest.json. */
  details: Record<string, unknown>;
  error?: string;
}

export interface Scenario {
  id: string;
  title: string;
  /** Run only when named with `--only` (too long for the default set). Default false. */
  optional?: boolean;
  run(ctx: ScenarioContext): Promise<Omit<ScenarioResult, 'id' | 'title' | 'seconds'>>;
}

/** A table line; `ratio` is chatbatch ÷ baseline unless given. */
export function metric(
  m: Omit<Metric, 'ratio' | 'target' | 'met'> & Partial<Pick<Metric, 'ratio' | 'target' | 'met'>>,
): Metric {
  const ratio =
    m.ratio !== undefined
      ? m.ratio
      : m.chatbatch !== null && m.baseline !== null && m.baseline !== 0
        ? m.chatbatch / m.baseline
        : null;
  return { ...m, ratio, target: m.target ?? null, met: m.met ?? null };
}

export interface BenchArgs {
  only: string[] | undefined;
  quick: boolean;
  runs: number | undefined;
  profile: boolean;
  help: boolean;
}

export const USAGE = `npm run bench -- [--only id,id] [--quick] [--runs N] [--profile]
  --only      scenarios to run: overhead, latency, chains, ingest, rate-limit, memory, scaling,
              pacing, lanes, rules (default all of these), and million (only when named: 1,000,000
              conversations through 2 workers, 11-14 minutes on 2 shared cores; --quick: 100,000)
  --quick     small workloads, one run each
  --runs N    measured runs per implementation where time allows (default 3; quick 1)
  --profile   also CPU-profile the workers (overhead) and chatbatch ingest into bench/results/profiles
  BENCH_REDIS_URL=redis://…  measure against this Redis instead of the suite's own throwaway
              redis-server (its CPU is read from /proc when it runs on this machine)`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    only: undefined,
    quick: false,
    runs: undefined,
    profile: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (name === '--only')
      args.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (name === '--quick') args.quick = true;
    else if (name === '--profile') args.profile = true;
    else if (name === '--runs') {
      args.runs = Number(value());
      if (!Number.isInteger(args.runs) || args.runs < 1)
        throw new Error('--runs: a whole number ≥ 1');
    } else if (name === '--help' || name === '-h') args.help = true;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return args;
}

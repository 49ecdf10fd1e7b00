import type { ChaosResult } from './scenario.js';

/** The human report of one scenario: what was done to the system, and what it kept. */
export function formatReport(result: ChaosResult): string {
  const { findings: f, options: o } = result;
  const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : '-');
  const restarts = result.outages.map((x) => `${x.signal} down ${x.upAt - x.downAt} ms`).join(', ');
  const duplicates = Object.entries(f.duplicates)
    .map(([cause, n]) => `${cause} ${n}`)
    .join(', ');
  const total = Object.values(f.duplicates).reduce((a, b) => a + b, 0);
  const answers = Object.entries(f.answers)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const violations = [...result.violations, ...f.violations];
  const lines = [
    `== chaos scenario "${o.name}" (seed ${o.seed}) ${violations.length ? 'FAILED' : 'passed'}`,
    `conversations   ${result.conversations} (${result.turns} turns, 1–${o.maxTurns} per conversation)`,
    `conversations   ${fmt(f.conversations)}`,
    `turns           ${fmt(f.turns)}`,
    `requests        ${f.requests} (${(f.requests / Math.max(1, result.turns)).toFixed(2)} per turn): ${answers}`,
    `fault mix       ${o.faults}`,
    `pacing          ${o.adaptive ? 'adaptive (CHATBATCH_ADAPTIVE=on)' : 'fixed limit (CHATBATCH_ADAPTIVE=off)'}`,
    `worker kills    ${result.kills} SIGKILL (${o.workers} workers, ${result.workersStarted} processes started)`,
    `Redis restarts  ${result.outages.length}${restarts ? ` (${restarts})` : ''}`,
    `duplicate chats ${total} (${pct(total, result.turns)} of turns): ${duplicates}`,
    `sent again after record ${f.resentAfterRecord}`,
    `watchdog requeues ${result.watchdogRequeues} (conversations whose next job had vanished)`,
    `max requests/s  ${f.maxPerSecond} (limit ${o.rateLimit}, allowed ${Math.floor(o.rateLimit * o.rateTolerance)})`,
    `wall time       ${(result.wallMs / 1000).toFixed(1)} s`,
  ];
  const notable = result.workerErrors;
  if (notable.length)
    lines.push(
      `worker error-level log lines besides connection errors (last ${notable.length}):`,
      ...notable.map((l) => `  ${l.slice(0, 300)}`),
    );
  if (violations.length)
    lines.push(`VIOLATIONS (${violations.length}):`, ...violations.map((v) => `  - ${v}`));
  if (violations.length || o.keepFiles) lines.push(`files kept in ${result.workDir}`);
  return lines.join('\n');
}

function fmt(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

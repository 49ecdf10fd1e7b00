import { describe, expect, it } from 'vitest';
import { formatReport } from '../../chaos/report.js';
import { chaosFailed, removeWorkDir, runChaos } from '../../chaos/scenario.js';

/**
 * `npm run chaos` in small: a few hundred conversations under the full fault mix, three worker
 * processes, one of them SIGKILLed mid-run and started again. The same code and checks as the
 * full run (see chaos/), so a regression in any guarantee fails `npm test` too.
 */
describe('chaos (short)', () => {
  it('loses, duplicates and reorders nothing beyond the documented windows, under faults and a kill', async () => {
    const result = await runChaos({
      name: 'short',
      conversations: 300,
      maxTurns: 4,
      workers: 3,
      concurrency: 20,
      rateLimit: 150,
      killEveryMs: [2500, 4000],
      maxKills: 1,
      deadlineMs: 75_000,
      stallMs: 20_000,
      seed: 20_251_126,
    });
    const report = formatReport(result);
    await removeWorkDir(result);
    // The report says what went wrong, and where the logs were kept.
    expect(chaosFailed(result), report).toBe(false);
    expect(result.kills, report).toBe(1);
    expect(result.findings.requests, report).toBeGreaterThan(result.turns);
    expect(result.findings.duplicates.unexplained, report).toBe(0);
    expect(result.findings.resentAfterRecord, report).toBe(0);
    expect(result.findings.maxPerSecond, report).toBeLessThanOrEqual(165);
  }, 120_000);
});

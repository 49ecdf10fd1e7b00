/** Per-second views of a simulator log, for the pacing scenario (and its unit test). */

/** Requests per whole second from a start: accepted (2xx) and refused (429). */
export interface Seconds {
  accepted: number[];
  refused: number[];
  total: number[];
}

/** Buckets the log's requests into `seconds` one-second buckets from `from` (epoch ms). */
export function perSecond(
  log: { receivedAt: readonly number[]; status: readonly (number | string)[] },
  from: number,
  seconds: number,
): Seconds {
  const s: Seconds = {
    accepted: Array.from({ length: seconds }, () => 0),
    refused: Array.from({ length: seconds }, () => 0),
    total: Array.from({ length: seconds }, () => 0),
  };
  log.receivedAt.forEach((t, i) => {
    const bucket = Math.floor((t - from) / 1000);
    if (bucket < 0 || bucket >= seconds) return;
    const status = log.status[i];
    s.total[bucket]!++;
    if (status === 429) s.refused[bucket]!++;
    else if (typeof status === 'number' && status >= 200 && status < 300) s.accepted[bucket]!++;
  });
  return s;
}

export interface WindowStats {
  /** Mean accepted requests per second over the window. */
  acceptedPerSecond: number;
  /** 429s ÷ all requests of the window (0 when none). */
  refusedShare: number;
  requests: number;
}

/** Stats over the seconds [from, to) of a bucketing. */
export function windowStats(s: Seconds, from: number, to: number): WindowStats {
  const sum = (xs: number[]) => xs.slice(from, to).reduce((a, b) => a + b, 0);
  const seconds = Math.max(0, Math.min(to, s.total.length) - from);
  const requests = sum(s.total);
  return {
    acceptedPerSecond: seconds > 0 ? sum(s.accepted) / seconds : 0,
    refusedShare: requests > 0 ? sum(s.refused) / requests : 0,
    requests,
  };
}

/**
 * The first second `t` in [from, to − width] whose window [t, t + width) passes `ok`; undefined
 * when none does.
 */
export function firstWindow(
  s: Seconds,
  from: number,
  to: number,
  width: number,
  ok: (w: WindowStats) => boolean,
): number | undefined {
  for (let t = from; t + width <= to; t++) if (ok(windowStats(s, t, t + width))) return t;
  return undefined;
}

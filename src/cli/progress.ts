import cliProgress from 'cli-progress';

/**
 * Progress for long commands: a live bar on a TTY, a plain line every few seconds otherwise
 * (CI logs and pipes must not fill with carriage returns).
 */
export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

export function createProgress(
  label: string,
  options: { stream?: NodeJS.WriteStream; intervalMs?: number } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} {percentage}% | {duration_formatted}`,
        stream,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(value, total) {
        if (!started) {
          bar.start(total ?? 0, value);
          started = true;
        } else {
          if (total !== undefined) bar.setTotal(total);
          bar.update(value);
        }
      },
      stop: () => started && bar.stop(),
    };
  }
  const intervalMs = options.intervalMs ?? 5000;
  let last = 0;
  return {
    update(value, total) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      stream.write(`${label}: ${value}${total === undefined ? '' : `/${total}`}\n`);
    },
    stop() {},
  };
}

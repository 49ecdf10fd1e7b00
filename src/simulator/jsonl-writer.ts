import { createWriteStream, type WriteStream } from 'node:fs';

/** Bytes of pending text that trigger a write at once instead of at the next tick. */
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Appends JSON lines to a file. Lines are joined in memory and handed to the stream once per
 * event-loop turn (or every 64 KiB): one write call per request would dominate at 10k+/s.
 */
export class JsonlWriter {
  readonly #stream: WriteStream;
  #pending = '';
  #scheduled = false;
  #error: Error | undefined;

  constructor(path: string) {
    this.#stream = createWriteStream(path, { flags: 'a' });
    // Remembered and reported by close(): a failing log file must not crash the simulator.
    this.#stream.on('error', (error) => {
      this.#error ??= error;
    });
  }

  write(value: unknown): void {
    this.#pending += `${JSON.stringify(value)}\n`;
    if (this.#pending.length >= FLUSH_AT_CHARS) {
      this.#flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#pending === '' || this.#error) return;
    this.#stream.write(this.#pending);
    this.#pending = '';
  }

  /** Writes what is pending and closes the file. Rejects if any write failed. */
  async close(): Promise<void> {
    this.#flush();
    if (!this.#stream.destroyed) {
      await new Promise<void>((resolve) => this.#stream.end(resolve));
    }
    if (this.#error) throw this.#error;
  }
}

/** Exit codes of docs/reference/contract.md's command table. */
export const EXIT = {
  ok: 0,
  /** File unreadable, Redis unreachable, no such batch, bad config. */
  failure: 1,
  usage: 2,
  /** ingest --strict and a row was rejected. */
  strictRejected: 3,
  /** status: done with failures. */
  doneWithFailures: 4,
  /** status --timeout passed. */
  timeout: 124,
} as const;

/** An error that ends a command with a message and an exit code, never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

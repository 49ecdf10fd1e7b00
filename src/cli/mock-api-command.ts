import type { Command } from 'commander';
import { createTerminalLogger } from '../shared/logger.js';
import { untilStopSignal } from './graceful-stop.js';
import { createSimulator, parseFaultSpec } from '../simulator/index.js';
import { CliError, EXIT } from './exit-codes.js';

interface MockApiFlags {
  port: string;
  host: string;
  latencyMs: string;
  jitterMs: string;
  faults?: string;
  apiKey?: string;
  endAfterTurns?: string;
  logFile?: string;
  capacity?: string;
}

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new CliError(`${name}: must be a non-negative number`, EXIT.usage);
  return parsed;
}

export function registerMockApi(program: Command): void {
  program
    .command('mock-api')
    .description('local simulator of the SigmaMind Chats endpoint (POST /v1/chats)')
    .option('--port <p>', 'port (0 = any free port)', '4010')
    .option('--host <h>', 'interface to listen on', '127.0.0.1')
    .option('--latency-ms <l>', 'delay before every answer', '0')
    .option('--jitter-ms <j>', 'extra random delay up to this', '0')
    .option(
      '--faults <spec>',
      'fault mix, e.g. 5xx=0.1,429=0.05,reset=0.02,lost=0.01,malformed=0.01,error=0.01',
    )
    .option(
      '--api-key <key>',
      'require this X-API-Key (default: SIGMAMIND_API_KEY if set, else any)',
    )
    .option('--end-after-turns <n>', 'answer status "ended" once a chat chain reaches n turns')
    .option('--log-file <file>', 'append every request to this JSONL file')
    .option(
      '--capacity <r>',
      'answer 429 (Retry-After: 1) beyond r accepted requests per sliding second; change it with PUT /__control/capacity',
    )
    .action(async (flags: MockApiFlags) => {
      let faults;
      try {
        faults = flags.faults ? parseFaultSpec(flags.faults) : undefined;
      } catch (error) {
        throw new CliError(`--faults: ${(error as Error).message}`, EXIT.usage);
      }
      const simulator = await createSimulator({
        port: number('--port', flags.port),
        host: flags.host,
        latencyMs: number('--latency-ms', flags.latencyMs),
        latencyJitterMs: number('--jitter-ms', flags.jitterMs),
        faults,
        apiKey: flags.apiKey ?? (process.env.SIGMAMIND_API_KEY || undefined),
        endAfterTurns: number('--end-after-turns', flags.endAfterTurns),
        capacity: number('--capacity', flags.capacity),
        logFile: flags.logFile,
        // A long-running simulator must not grow without bound; the log file keeps everything.
        maxLogEntries: 100_000,
      });
      process.stderr.write(
        `mock SigmaMind API listening at ${simulator.url} (POST /v1/chats)` +
          (simulator.capacity === undefined ? '' : `, capacity ${simulator.capacity} requests/s`) +
          '\n',
      );
      // Like the worker: stops on SIGTERM/SIGINT, and when npx's shell goes (see graceful-stop).
      await untilStopSignal(createTerminalLogger('warn'), () => simulator.close(), 10_000);
    });
}

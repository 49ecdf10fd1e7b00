#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerApi } from './api-command.js';
import { registerControl } from './control-commands.js';
import { registerDemo } from './demo-command.js';
import { CliError, EXIT } from './exit-codes.js';
import { registerIngest } from './ingest-command.js';
import { registerMockApi } from './mock-api-command.js';
import { registerResults } from './results-command.js';
import { registerStatus } from './status-command.js';
import { registerSchedule } from './schedule-command.js';
import { registerWorker } from './worker-command.js';

const program = new Command('chatbatch')
  .description('Run conversations with SigmaMind AI agents in bulk')
  .exitOverride()
  .showHelpAfterError();
registerIngest(program);
registerWorker(program);
registerStatus(program);
registerResults(program);
registerControl(program);
registerMockApi(program);
registerDemo(program);
registerApi(program);
registerSchedule(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors exit 2 (commander has printed the message).
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof CliError) {
    process.stderr.write(`chatbatch: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`chatbatch: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.failure;
  }
}

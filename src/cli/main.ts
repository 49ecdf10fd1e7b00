#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../shared/version.js';
import { COMMANDS, CONTROL_COMMANDS } from './commands.js';
import { CliError, EXIT } from './exit-codes.js';

const program = new Command('chatbatch')
  .description('Run conversations with SigmaMind AI agents in bulk')
  .version(VERSION, '-V, --version', 'print the version')
  .exitOverride()
  .showHelpAfterError();
const requested = process.argv[2] ?? '';
const key = CONTROL_COMMANDS.has(requested) ? 'control' : requested;
const toLoad = COMMANDS[key] ? [COMMANDS[key]] : Object.values(COMMANDS);
for (const load of toLoad) (await load())(program);

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

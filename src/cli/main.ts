#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../shared/version.js';
import { CliError, EXIT } from './exit-codes.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: `chatbatch ingest` should not
 * load the HTTP API stack (fastify, swagger, bull-board), which costs ~70 MB and half a second.
 * Help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  ingest: async () => (await import('./ingest-command.js')).registerIngest,
  worker: async () => (await import('./worker-command.js')).registerWorker,
  status: async () => (await import('./status-command.js')).registerStatus,
  results: async () => (await import('./results-command.js')).registerResults,
  rejected: async () => (await import('./rejected-command.js')).registerRejected,
  control: async () => (await import('./control-commands.js')).registerControl,
  'mock-api': async () => (await import('./mock-api-command.js')).registerMockApi,
  demo: async () => (await import('./demo-command.js')).registerDemo,
  api: async () => (await import('./api-command.js')).registerApi,
  schedule: async () => (await import('./schedule-command.js')).registerSchedule,
  suppress: async () => (await import('./suppress-command.js')).registerSuppress,
  webhooks: async () => (await import('./webhooks-command.js')).registerWebhooks,
  batches: async () => (await import('./batches-command.js')).registerBatches,
  conversation: async () => (await import('./conversation-command.js')).registerConversation,
};
const CONTROL_COMMANDS = new Set(['cancel', 'pause', 'resume', 'retry-failed']);

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

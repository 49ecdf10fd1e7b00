import type { Command } from 'commander';

/** Adds a command (and its subcommands) to the program. */
export type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: `chatbatch ingest` should not
 * load the HTTP API stack (fastify, swagger, bull-board), which costs ~70 MB and half a second.
 * Help and unknown commands load them all. Every command is listed in docs/reference/cli.md
 * (test/deploy/docs-reference.test.ts checks it).
 */
export const COMMANDS: Record<string, () => Promise<Register>> = {
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

/** The commands that `control-commands.ts` registers (one module for the four). */
export const CONTROL_COMMANDS = new Set(['cancel', 'pause', 'resume', 'retry-failed']);

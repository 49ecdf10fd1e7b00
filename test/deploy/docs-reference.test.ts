import { Command } from 'commander';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { API_ERRORS } from '../../src/producer/api/errors.js';
import { ENVIRONMENT_VARIABLES } from '../../src/shared/config.js';
import { makeKeys } from '../../src/shared/keys.js';
import { createMetrics } from '../../src/shared/metrics.js';
import {
  commandProblems,
  commandTree,
  metricProblems,
  missingErrorCodes,
  missingFromTables,
  type MetricFacts,
} from './helpers/docs-drift.js';
import { readRepoFile } from './helpers/repo-files.js';

/**
 * The reference pages of docs/reference list everything the code defines: a new variable, error
 * code, metric, command, option or key fails here until its page lists it. Each check is also
 * run on a page with one name taken out, to show that it would notice.
 */

/** The page without the table row (or heading section) that names `name`. */
function withoutRow(page: string, name: string): string {
  return page
    .split('\n')
    .filter((line) => !(line.trimStart().startsWith('|') && line.includes(`\`${name}`)))
    .join('\n');
}

describe('docs/reference/configuration.md', () => {
  const page = readRepoFile('docs/reference/configuration.md');

  it('lists every environment variable of the config schema', () => {
    expect(ENVIRONMENT_VARIABLES).toContain('CHATBATCH_PREFIX');
    expect(missingFromTables(ENVIRONMENT_VARIABLES, page)).toEqual([]);
  });

  it('would notice a variable missing', () => {
    const name = 'CHATBATCH_WATCHDOG_INTERVAL_MS';
    expect(missingFromTables(ENVIRONMENT_VARIABLES, withoutRow(page, name))).toEqual([name]);
  });
});

describe('docs/reference/api-errors.md', () => {
  const page = readRepoFile('docs/reference/api-errors.md');

  it('lists every API error code with its status', () => {
    expect(missingErrorCodes(API_ERRORS, page)).toEqual([]);
  });

  it('would notice a code missing, or listed with another status', () => {
    expect(missingErrorCodes(API_ERRORS, withoutRow(page, 'redis_full'))).toEqual([
      'redis_full (507)',
    ]);
    const wrongStatus = page.replace(/(\| `redis_full` +\| )507/, '$1503');
    expect(missingErrorCodes(API_ERRORS, wrongStatus)).toEqual(['redis_full (507)']);
  });
});

describe('docs/reference/metrics.md', () => {
  const page = readRepoFile('docs/reference/metrics.md');

  async function registered(): Promise<MetricFacts[]> {
    const registry = new Registry();
    createMetrics(registry);
    const metrics = registry.getMetricsAsArray() as unknown as {
      name: string;
      labelNames?: readonly string[];
      get(): Promise<{ type: string }>;
    }[];
    return Promise.all(
      metrics.map(async (metric) => ({
        name: metric.name,
        type: (await metric.get()).type,
        labels: metric.labelNames ?? [],
      })),
    );
  }

  it('lists every metric createMetrics registers, with its type and labels', async () => {
    const metrics = await registered();
    expect(metrics.map((m) => m.name)).toContain('chatbatch_chat_requests_total');
    expect(metricProblems(metrics, page)).toEqual([]);
  });

  it('would notice a metric missing, a wrong type or a missing label', async () => {
    const metrics = await registered();
    expect(metricProblems(metrics, withoutRow(page, 'chatbatch_turns_total'))).toEqual([
      'chatbatch_turns_total: not listed',
    ]);
    const wrongType = page.replace(/(\| `chatbatch_inflight_requests` +\| )gauge/, '$1counter');
    expect(metricProblems(metrics, wrongType)).toEqual([
      'chatbatch_inflight_requests: type gauge not in its row',
    ]);
    const noLabel = page.replace(/(\| `chatbatch_queue_jobs` .*?)`state`/, '$1state');
    expect(metricProblems(metrics, noLabel)).toEqual([
      'chatbatch_queue_jobs: label state not in its row',
    ]);
  });
});

describe('docs/reference/cli.md', () => {
  const page = readRepoFile('docs/reference/cli.md');

  async function commands() {
    const program = new Command('chatbatch');
    for (const load of Object.values(COMMANDS)) (await load())(program);
    return commandTree(program);
  }

  it('has a section for every command registered by src/cli/main.ts, with each option', async () => {
    const tree = await commands();
    const paths = tree.map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(['ingest', 'retry-failed', 'schedule add']));
    expect(commandProblems(tree, page)).toEqual([]);
  });

  it('would notice a command or an option missing', async () => {
    const tree = await commands();
    const noCommand = page.replace('## `chatbatch batches`', '## Listing batches');
    expect(commandProblems(tree, noCommand)).toEqual(['chatbatch batches: no heading']);
    const noOption = page.replace('| `--end-after-turns <n>` |', '| end after turns |');
    expect(commandProblems(tree, noOption)).toEqual([
      'chatbatch mock-api: option --end-after-turns not in its section',
    ]);
  });
});

describe('docs/reference/redis-layout.md', () => {
  const page = readRepoFile('docs/reference/redis-layout.md');
  const builders = Object.keys(makeKeys('p'));
  const builderName = (span: string) => span.replace(/\(.*\)$/, '');

  it('lists every key builder of src/shared/keys.ts', () => {
    expect(builders).toContain('conversation');
    expect(missingFromTables(builders, page, builderName)).toEqual([]);
  });

  it('would notice a builder missing', () => {
    expect(missingFromTables(builders, withoutRow(page, 'webhookFailed'), builderName)).toEqual([
      'webhookFailed',
    ]);
  });
});

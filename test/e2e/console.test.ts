import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_COLUMNS } from '../../src/producer/results-export.js';
import type { TurnRecord } from '../../src/shared/records.js';
import { replyContent } from '../../src/simulator/reply.js';
import { hostOf, launchBrowser, type Browser } from './helpers/browser.js';
import { startConsoleStack, type ConsoleStack } from './helpers/console-stack.js';

const TOKEN = 'e2e-console-token-5f2a91';
/**
 * Screenshots of the main pages: into docs/console/ (docs/guides/web-console.md shows them) when
 * CHATBATCH_SCREENSHOTS=update, else into a scratch folder, so a plain test run leaves the
 * working tree clean.
 */
const SHOTS =
  process.env.CHATBATCH_SCREENSHOTS === 'update'
    ? fileURLToPath(new URL('../../docs/console/', import.meta.url))
    : join(tmpdir(), `chatbatch-console-shots-${process.pid}/`);

/** Conversations of the main upload; each has two turns. */
const CONVERSATIONS = 24;
/** The conversation whose first turn the simulator refuses once (422), for "Retry failed". */
const FAILS_ONCE = 'c07';

/**
 * The main CSV: every conversation's first turn, then one invalid row (line 26), then every
 * second turn, so turns interleave as in a real export.
 */
function mainCsv(): string {
  const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
  const first = ids.map((id) =>
    id === FAILS_ONCE
      ? `${id},${id} please fail once,Name ${id}`
      : `${id},Hello from ${id},Name ${id}`,
  );
  const second = ids.map((id) => `${id},${id} follow-up question,Name ${id}`);
  return ['conversation_id,input,customer_name', ...first, 'bad-1,,Nobody', ...second, ''].join(
    '\n',
  );
}
const BAD_LINE = CONVERSATIONS + 2;

let stack: ConsoleStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const refusedOnce = new Set<string>();
  stack = await startConsoleStack({
    label: 'e2e-console',
    token: TOKEN,
    // Slow enough that the batch takes several seconds at concurrency 2, so the bar is seen
    // moving and Pause lands while it runs.
    simulator: {
      latencyMs: 300,
      script: (request) => {
        if (!request.input.includes('please fail once') || refusedOnce.has(request.input))
          return undefined;
        refusedOnce.add(request.input);
        return { httpStatus: 422 };
      },
    },
    env: { CHATBATCH_CONCURRENCY: '2' },
  });
  browser = await launchBrowser();
  page = browser.page;
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const shot = (name: string, fullPage = false) =>
  page.screenshot({ path: `${SHOTS}${name}.png`, fullPage });
const stateLine = () => page.locator('.state-line');
const progressbar = () => page.getByRole('progressbar');
const valueOf = async (bar: Locator) => Number(await bar.getAttribute('aria-valuenow'));

async function upload(
  file: { name: string; content: string },
  fields: Record<string, string>,
  choices: Record<string, string> = {},
): Promise<void> {
  await page.getByRole('link', { name: 'Upload', exact: true }).click();
  await page.getByLabel('CSV file').setInputFiles({
    name: file.name,
    mimeType: 'text/csv',
    buffer: Buffer.from(file.content),
  });
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label).fill(value);
  for (const [label, value] of Object.entries(choices))
    await page.getByLabel(label).selectOption(value);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
}

/** The cells of a counts table on a batch's page, by column header. */
async function countsOf(name: string): Promise<Record<string, string>> {
  const table = page.getByRole('table', { name });
  const headers = await table.getByRole('columnheader').allTextContents();
  const cells = await table.getByRole('cell').allTextContents();
  return Object.fromEntries(headers.map((header, i) => [header, cells[i] ?? '']));
}

/** Recipients of the contact-rules part: one put on the suppression list, one taken off. */
const LISTED = '+15550100';
const UNLISTED = '+15550199';
const CAPPED = '+15550123';

/**
 * Four conversations: r1 reaches a listed recipient (two turns, both suppressed), r2 and r3
 * the same recipient under a 1/7d cap (exactly one of them is sent), r4 someone else.
 */
const RULES_CSV = [
  'conversation_id,recipient_id,input',
  `r1,${LISTED},Hello listed`,
  `r1,${LISTED},Still there?`,
  `r2,${CAPPED},Hello capped`,
  `r3,${CAPPED},Hello capped again`,
  'r4,+15550124,Hello other',
  '',
].join('\n');

async function resultsOf(batchId: string): Promise<TurnRecord[]> {
  const text = await (
    await stack.call('GET', `/v1/batches/${batchId}/results?format=jsonl`)
  ).text();
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TurnRecord);
}

describe('the web console in headless Chromium', () => {
  it('signs in, previews and uploads a CSV, follows, controls and reads a batch', async () => {
    // Sign in: a wrong token is refused, the right one opens the batches list.
    await page.goto(`${stack.base}/`);
    await expect.poll(() => page.title()).toBe('Sign in · chatbatch');
    await shot('sign-in');
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
    await page.getByText('No batches yet').waitFor();

    // Preview: the dry run reports the bad row by its line; nothing is enqueued yet.
    await upload(
      { name: 'outreach.csv', content: mainCsv() },
      { 'Batch ID': 'e2e-main', 'Agent ID': 'agent-e2e' },
    );
    const preview = page.getByRole('region', { name: /Preview of outreach\.csv/ });
    await preview.waitFor();
    const rejected = preview.getByRole('listitem');
    await expect
      .poll(() => rejected.allTextContents())
      .toEqual([`line ${BAD_LINE}: input: must not be empty`]);
    await expect.poll(() => preview.textContent()).toMatch(/Would be enqueued\s*24 \(48 turns\)/);
    expect((await stack.call('GET', '/v1/batches/e2e-main')).status).toBe(404);
    await shot('upload-preview', true);

    // Confirm: the real upload reports what was accepted and rejected.
    await preview.getByRole('button', { name: 'Confirm and enqueue' }).click();
    const uploaded = page.getByRole('region', { name: 'Uploaded' });
    await expect
      .poll(() => uploaded.textContent())
      .toContain('Accepted 24 conversations (48 turns), rejected 1');
    await uploaded.getByRole('link', { name: 'e2e-main', exact: true }).click();

    // Live progress without a reload, paused and resumed on the way.
    await page.getByRole('heading', { name: 'Batch e2e-main' }).waitFor();
    const bar = progressbar();
    await expect.poll(() => bar.getAttribute('aria-valuemax')).toBe(String(CONVERSATIONS));
    const seen: number[] = [];
    await expect
      .poll(
        async () => {
          seen.push(await valueOf(bar));
          return seen.at(-1)! > 0 && seen.at(-1)! < CONVERSATIONS;
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => stateLine().textContent()).toBe('State: paused');
    await page.getByText('Paused. The batch is paused.').waitFor();
    // In-flight turns finish (300 ms each) and the page polls every second; after that,
    // nothing moves while paused.
    await page.waitForTimeout(2500);
    const whilePaused = await valueOf(bar);
    await page.waitForTimeout(2000);
    expect(await valueOf(bar)).toBe(whilePaused);
    expect(whilePaused).toBeLessThan(CONVERSATIONS);

    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => stateLine().textContent()).toBe('State: running');
    await expect
      .poll(
        async () => {
          seen.push(await valueOf(bar));
          return seen.at(-1);
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe(CONVERSATIONS);
    await expect.poll(() => stateLine().textContent()).toBe('State: completed');
    const intermediate = seen.filter((v) => v > 0 && v < CONVERSATIONS);
    expect(intermediate.length).toBeGreaterThan(0);
    expect(new Set(intermediate).size).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b)); // it only ever moved forward

    // Retry failed: the conversation refused once runs again and completes.
    const failedRow = page.getByRole('row', { name: new RegExp(`^${FAILS_ONCE} `) });
    await expect.poll(() => failedRow.textContent()).toContain('failed');
    await page.getByRole('button', { name: 'Retry failed' }).click();
    await page.getByText('Retrying 1 conversation.').waitFor();
    await expect.poll(() => failedRow.textContent(), { timeout: 30_000 }).toContain('completed');
    await expect.poll(() => stateLine().textContent()).toBe('State: completed');
    expect(await valueOf(bar)).toBe(CONVERSATIONS);
    const byState = page.getByRole('table', { name: 'Conversations by state' });
    await expect
      .poll(() => byState.getByRole('columnheader').allTextContents())
      .toEqual([
        'Pending',
        'Active',
        'Completed',
        'Ended',
        'Failed',
        'Cancelled',
        'Expired',
        'Suppressed',
        'Total',
      ]);
    await expect
      .poll(() => byState.getByRole('cell').allTextContents())
      .toEqual(['0', '0', '24', '0', '0', '0', '0', '0', '24']);
    expect(await page.locator('.details').first().textContent()).toContain('Prioritynormal');

    // The results CSV, fetched with the token and saved through a Blob URL.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download results (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('e2e-main-results.csv');
    const rows = parse(readFileSync((await download.path())!), { columns: true }) as Record<
      string,
      string
    >[];
    const records = await resultsOf('e2e-main');
    expect(Object.keys(rows[0]!)).toEqual([...RESULT_COLUMNS]);
    expect(rows).toHaveLength(CONVERSATIONS * 2);
    expect(rows.every((row) => row.status === 'completed' && row.agentId === 'agent-e2e')).toBe(
      true,
    );
    expect(rows.map((row) => [row.conversationId, row.turn, row.line, row.chatId])).toEqual(
      records.map((r) => [r.conversationId, String(r.turn), String(r.line), r.chatId]),
    );
    expect(rows.find((row) => row.conversationId === 'c03' && row.turn === '2')?.line).toBe(
      String(BAD_LINE + 3),
    );
    await page.getByRole('heading', { name: 'Batch e2e-main' }).focus();
    await shot('batch');

    // On a phone-sized screen the page does not scroll sideways (tables scroll in place).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    await shot('batch-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    // A multi-turn conversation: inputs, the agent's replies as text, the chat ids chained.
    await page.getByRole('link', { name: 'c03', exact: true }).click();
    await page.getByRole('heading', { name: 'Conversation c03' }).waitFor();
    const turns = records.filter((r) => r.conversationId === 'c03');
    expect(turns.map((t) => t.turn)).toEqual([1, 2]);
    for (const turn of turns) {
      const section = page.getByRole('region', { name: new RegExp(`^Turn ${turn.turn}`) });
      await section.waitFor();
      const text = (await section.textContent()) ?? '';
      expect(text).toContain(turn.input);
      expect(await section.locator('.reply').textContent()).toBe(replyContent(turn.input));
      expect(text).toContain(turn.chatId!);
    }
    expect(turns[1]!.previousChatId).toBe(turns[0]!.chatId);
    const second = page.getByRole('region', { name: /^Turn 2/ });
    await expect
      .poll(() => second.locator('dd code').allTextContents())
      .toEqual([turns[1]!.chatId, turns[0]!.chatId]);
    await shot('conversation');

    // A scheduled upload (Start at tomorrow) waits; Cancel cancels it.
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 16);
    await upload(
      { name: 'later.csv', content: 'input\nFirst\nSecond\nThird\n' },
      { 'Batch ID': 'e2e-later', 'Agent ID': 'agent-e2e', 'Start at': tomorrow },
    );
    await page.getByRole('button', { name: 'Confirm and enqueue' }).click();
    await page
      .getByRole('region', { name: 'Uploaded' })
      .getByRole('link', { name: 'e2e-later' })
      .click();
    await expect.poll(() => stateLine().textContent()).toBe('State: scheduled');
    await expect
      .poll(() => page.locator('.details').first().textContent())
      .toContain(`Scheduled start${tomorrow.replace('T', ' ')}:00 UTC`);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => stateLine().textContent()).toBe('State: cancelled');
    await page.getByText('Cancelled 3 conversations.').waitFor();

    // The suppression list: add two recipients, see them, remove one.
    await page.getByRole('link', { name: 'Suppression list', exact: true }).click();
    await page.getByRole('heading', { name: 'Suppression list', level: 1 }).waitFor();
    await page.getByText('Nobody is on the suppression list.').waitFor();
    await page.getByLabel('Recipient IDs').fill(`${LISTED}\n\n${UNLISTED}\n${LISTED}\n`);
    await page.getByLabel('Reason').fill('asked by phone');
    await page.getByRole('button', { name: 'Add to suppression list' }).click();
    await page.getByText('Added 2 to the suppression list.').waitFor();
    const entries = page.getByRole('table', { name: 'Suppression list' });
    const listedIds = async () => (await entries.getByRole('rowheader').allTextContents()).sort();
    await expect.poll(listedIds).toEqual([LISTED, UNLISTED].sort());
    await expect
      .poll(() => entries.getByRole('row', { name: new RegExp(`^\\${LISTED}`) }).textContent())
      .toMatch(/added by hand\s*asked by phone/);
    await shot('suppressions', true);
    await page.getByRole('button', { name: `Remove ${UNLISTED}` }).click();
    await page.getByRole('button', { name: `Confirm: remove ${UNLISTED}` }).click();
    await page.getByText(`Removed ${UNLISTED} from the suppression list.`).waitFor();
    await expect.poll(listedIds).toEqual([LISTED]);
    const stored = (await (await stack.call('GET', '/v1/suppressions')).json()) as {
      suppressions: { recipientId: string; reason: string | null; source: string }[];
    };
    expect(stored.suppressions).toEqual([
      expect.objectContaining({ recipientId: LISTED, reason: 'asked by phone', source: 'manual' }),
    ]);
    expect(await page.evaluate(() => window.location.hash)).toBe('#/suppressions');

    // An upload with a priority, a weight, a frequency cap (and at first a webhook URL, which
    // this server cannot sign for: the API's refusal is shown and nothing is enqueued).
    await upload(
      { name: 'rules.csv', content: RULES_CSV },
      {
        'Batch ID': 'e2e-rules',
        'Agent ID': 'agent-e2e',
        Weight: '3',
        'Frequency cap': '1/7d',
        'Webhook URL': 'http://127.0.0.1:9/hooks',
      },
      { Priority: 'high' },
    );
    await page
      .getByRole('alert')
      .filter({ hasText: 'webhookUrl: this server has no CHATBATCH_WEBHOOK_SECRET' })
      .waitFor();
    await page.getByLabel('Webhook URL').fill('');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm and enqueue' }).click();
    await page
      .getByRole('region', { name: 'Uploaded' })
      .getByRole('link', { name: 'e2e-rules' })
      .click();
    await expect
      .poll(() => stateLine().textContent(), { timeout: 30_000 })
      .toBe('State: completed');
    const rules = await stack.call('GET', '/v1/batches/e2e-rules');
    expect(await rules.json()).toMatchObject({ priority: 'high', weight: 3 });
    expect(await page.locator('.details').first().textContent()).toContain(
      'Priorityhigh, weight 3',
    );
    await expect
      .poll(() => countsOf('Conversations by state'))
      .toMatchObject({ Completed: '2', Failed: '0', Suppressed: '2', Total: '4' });
    await expect
      .poll(() => countsOf('Turns by state'))
      .toMatchObject({ Completed: '2', Failed: '0', Suppressed: '3', Total: '5' });
    await page.getByRole('button', { name: 'Resend failed webhooks' }).click();
    await page.getByText('No failed webhook events to resend.').waitFor();

    // Why each suppressed conversation was not sent, on its page.
    const capped = (await resultsOf('e2e-rules')).filter(
      (r) => r.status === 'suppressed' && r.error?.code === 'frequency_cap',
    );
    expect(capped.map((r) => r.conversationId)).toHaveLength(1);
    expect(['r2', 'r3']).toContain(capped[0]!.conversationId);
    for (const [conversationId, notice, error] of [
      [
        'r1',
        'Not sent: the recipient is on the suppression list.',
        'Suppression list (suppression_list): the recipient is on the suppression list',
      ],
      [
        capped[0]!.conversationId,
        'Not sent: the frequency cap for this recipient was reached.',
        `Frequency cap (frequency_cap): ${capped[0]!.error!.message}`,
      ],
    ]) {
      await page.getByRole('link', { name: conversationId, exact: true }).click();
      await page.getByRole('heading', { name: `Conversation ${conversationId}` }).waitFor();
      const first = page.getByRole('region', { name: /^Turn 1/ });
      await expect.poll(() => first.textContent()).toContain(notice);
      expect(await first.textContent()).toContain(error);
      expect(await first.textContent()).toContain('suppressed');
      await page.getByRole('link', { name: 'e2e-rules', exact: true }).click();
      await page.getByRole('heading', { name: 'Batch e2e-rules' }).waitFor();
    }

    // The batches list: every batch, each id a link, with its lane.
    await page.getByRole('link', { name: 'Batches', exact: true }).click();
    const list = page.getByRole('table', { name: 'Batches, newest first' });
    await expect
      .poll(() => list.getByRole('link').allTextContents())
      .toEqual(['e2e-rules', 'e2e-later', 'e2e-main']);
    await expect
      .poll(() => list.getByRole('row', { name: /e2e-main/ }).textContent())
      .toMatch(/completed.*normal$/);
    await expect
      .poll(() => list.getByRole('row', { name: /e2e-rules/ }).textContent())
      .toMatch(/high, weight 3$/);
    await shot('batches');

    // Schedules: pause, resume and remove one (made through the API).
    const made = await stack.call('POST', '/v1/schedules', {
      name: 'weekday-outreach',
      cron: '0 10 * * 1-5',
      tz: 'Europe/Berlin',
      csv: 'input\nhello\n',
      agentId: 'agent-e2e',
    });
    expect(made.status).toBe(201);
    await page.getByRole('link', { name: 'Schedules', exact: true }).click();
    const row = page.getByRole('row', { name: /weekday-outreach/ });
    await expect.poll(() => row.textContent()).toContain('active');
    await page.getByRole('button', { name: 'Pause weekday-outreach' }).click();
    await expect.poll(() => row.textContent()).toContain('paused');
    await page.getByRole('button', { name: 'Resume weekday-outreach' }).click();
    await expect.poll(() => row.textContent()).toContain('active');
    await page.getByRole('button', { name: 'Remove weekday-outreach' }).click();
    await page.getByRole('button', { name: 'Confirm: remove weekday-outreach' }).click();
    await page.getByText('No schedules.').waitFor();

    // Signing out forgets the token.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    // Every request stayed on 127.0.0.1; the token only ever travelled in a header.
    const urls = browser.requests.map((r) => r.url());
    expect(urls.length).toBeGreaterThan(20);
    expect(urls.filter((url) => hostOf(url) !== '127.0.0.1')).toEqual([]);
    expect(urls.filter((url) => url.includes(TOKEN))).toEqual([]);
    // Recipient ids (personal data) never travelled in a URL either, page route or API path.
    const recipientInUrl = (url: string) =>
      [LISTED, UNLISTED, CAPPED].some((id) => url.includes(id.slice(1))); // '+' or '%2B'
    expect(urls.filter(recipientInUrl)).toEqual([]);
    const dataCalls = browser.requests.filter((r) => new URL(r.url()).pathname.startsWith('/v1/'));
    const signedIn = dataCalls.filter((r) => r.headers().authorization === `Bearer ${TOKEN}`);
    expect(signedIn.length).toBe(dataCalls.length - 1); // all but the refused sign-in
    // One page load: everything after it happened without a reload.
    const loads = browser.requests.filter(
      (r) => r.isNavigationRequest() && r.url().startsWith('http'),
    );
    expect(loads.map((r) => new URL(r.url()).pathname)).toEqual(['/']);
    // No CSP violation, no script error; the one 401 is the refused sign-in, the one 400 the
    // refused webhook URL.
    const refused = browser.problems.filter(
      (p) => p.includes('status of 401') || p.includes('status of 400'),
    );
    expect(refused).toHaveLength(2);
    expect(browser.problems.filter((p) => !refused.includes(p))).toEqual([]);
  }, 240_000);
});

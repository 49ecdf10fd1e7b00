import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';

/** Debian's chromium package (`.ci/run` installs it); Playwright's own browsers are never used. */
export const CHROMIUM = '/usr/bin/chromium';

/** No background traffic of the browser's own (updates, sync, field trials): only the page's. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, in order. */
  requests: Request[];
  /** Console errors and uncaught exceptions of the page (CSP violations show up here). */
  problems: string[];
  close(): Promise<void>;
}

/** Headless Chromium with a fresh user-data dir, recording the page's requests and errors. */
export async function launchBrowser(viewport = { width: 1280, height: 860 }): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'chatbatch-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    acceptDownloads: true,
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: Request[] = [];
  const problems: string[] = [];
  context.on('request', (request) => requests.push(request));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return {
    context,
    page,
    requests,
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The host a request went to; a `blob:` URL counts as its origin's. */
export function hostOf(url: string): string {
  const parsed = new URL(url.startsWith('blob:') ? url.slice('blob:'.length) : url);
  return parsed.hostname;
}

import { createApiClient } from './api-client.js';
import { h, replaceChildren, setText } from './dom.js';
import type { Page, PageContext } from './page.js';
import { batchPage } from './pages/batch.js';
import { batchesPage } from './pages/batches.js';
import { conversationPage } from './pages/conversation.js';
import { schedulesPage } from './pages/schedules.js';
import { signInPage } from './pages/sign-in.js';
import { suppressionsPage } from './pages/suppressions.js';
import { uploadPage } from './pages/upload.js';
import { hrefs, parseRoute, type Route } from './routes.js';
import { createSession } from './session.js';
import { pageHeading } from './ui.js';

/**
 * The console's shell: signs in, routes `location.hash` to a page, and stops the previous page's
 * polling when the user leaves it. Every piece of data comes from the /v1 API.
 */

function browserStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // storage refused: the token lives in memory only
  }
}

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const announcer = document.getElementById('announcer')!;
const signOutButton = document.getElementById('sign-out') as HTMLButtonElement;

const session = createSession(browserStorage());
let current: Page | undefined;
let showingSignIn = false;
let notice: string | undefined;

const ctx: PageContext = {
  session,
  api: createApiClient({
    fetch: (url, init) => window.fetch(url, init),
    token: () => session.token(),
    onUnauthorized() {
      session.signOut();
      if (showingSignIn) return; // the sign-in form reports it itself
      notice = 'The API refused the token (revoked or changed). Sign in again.';
      render(true);
    },
  }),
  timers: {
    setTimeout: (run, ms) => window.setTimeout(run, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number | undefined),
  },
  announce(message) {
    // Cleared first so the same message twice is still spoken.
    setText(announcer, '');
    window.setTimeout(() => setText(announcer, message), 50);
  },
};

function notFoundPage(hash: string): Page {
  return {
    title: 'Not found',
    element: h(
      'section',
      { class: 'page' },
      pageHeading('Page not found'),
      h('p', {}, `Nothing at ${hash}. `, h('a', { href: hrefs.batches() }, 'See the batches'), '.'),
    ),
  };
}

function pageFor(route: Route): Page {
  switch (route.page) {
    case 'batches':
      return batchesPage(ctx);
    case 'upload':
      return uploadPage(ctx);
    case 'schedules':
      return schedulesPage(ctx);
    case 'suppressions':
      return suppressionsPage(ctx);
    case 'batch':
      return batchPage(ctx, route.batchId);
    case 'conversation':
      return conversationPage(ctx, route.batchId, route.conversationId);
    case 'not-found':
      return notFoundPage(route.hash);
  }
}

function markCurrentLink(route: Route): void {
  const section = route.page === 'batch' || route.page === 'conversation' ? 'batches' : route.page;
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Shows the page of the current hash (or the sign-in form); `focus` moves focus to its heading. */
function render(focus: boolean): void {
  current?.dispose?.();
  const signedIn = session.token() !== undefined;
  showingSignIn = !signedIn;
  nav.hidden = !signedIn;
  signOutButton.hidden = !signedIn;
  if (!signedIn) {
    current = signInPage(ctx, () => render(true), notice);
    notice = undefined;
  } else {
    const route = parseRoute(window.location.hash);
    markCurrentLink(route);
    current = pageFor(route);
  }
  replaceChildren(main, current.element);
  document.title = `${current.title} · chatbatch`;
  if (!signedIn) main.querySelector('input')?.focus();
  else if (focus) main.querySelector('h1')?.focus();
}

signOutButton.addEventListener('click', () => {
  session.signOut();
  ctx.announce('Signed out.');
  render(true);
});
document.getElementById('skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.querySelector('h1')?.focus();
});
window.addEventListener('hashchange', () => render(true));
render(false);

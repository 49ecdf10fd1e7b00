import { h } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import { alertBox, errorText, pageHeading, showAlert } from '../ui.js';

/**
 * Sign in with an API token (one of CHATBATCH_API_TOKENS). The token is checked with one
 * authenticated read before it is kept; then `onSignedIn` shows the page the user asked for.
 */
export function signInPage(ctx: PageContext, onSignedIn: () => void, notice?: string): Page {
  const alert = alertBox();
  const input = h('input', {
    id: 'api-token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'api-token-hint',
  });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card narrow', novalidate: true },
    h('label', { for: 'api-token' }, 'API token'),
    input,
    h(
      'p',
      { id: 'api-token-hint', class: 'hint' },
      'A token of CHATBATCH_API_TOKENS. It stays in this tab only and is forgotten when the tab closes.',
    ),
    alert,
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      showAlert(alert, 'Enter an API token.');
      input.focus();
      return;
    }
    button.disabled = true;
    showAlert(alert, undefined);
    ctx.session.signIn(token);
    try {
      await ctx.api.listBatches(0, 1);
      ctx.announce('Signed in.');
      onSignedIn();
    } catch (error) {
      ctx.session.signOut();
      showAlert(
        alert,
        (error as { status?: number }).status === 401
          ? 'That token was refused. Check it and try again.'
          : errorText(error),
      );
      button.disabled = false;
      input.focus();
    }
  });
  const element = h(
    'section',
    { class: 'page' },
    pageHeading('Sign in'),
    notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
    form,
  );
  return { title: 'Sign in', element };
}

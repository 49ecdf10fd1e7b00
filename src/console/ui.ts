import { ApiRequestError } from './api-client.js';
import { h, uid, type Child } from './dom.js';

/** Text for a failed call: the API's own message (it names what and where). */
export function errorText(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** An error line that screen readers announce at once. */
export function alertBox(): HTMLElement {
  return h('p', { role: 'alert', class: 'alert', hidden: true });
}

export function showAlert(box: HTMLElement, message: string | undefined): void {
  box.hidden = !message;
  box.textContent = message ?? '';
}

/** The page's heading, focusable so the shell can move focus to it on navigation. */
export function pageHeading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: -1 }, text);
}

/** A labelled form control with an optional hint (linked by `aria-describedby`). */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  const hintId = hint ? uid('hint') : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null,
  );
}

/** A `<dl>` of label → value rows. */
export function details(rows: [string, Child | Child[]][]): HTMLDListElement {
  return h(
    'dl',
    { class: 'details' },
    rows.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))),
  );
}

/**
 * A table that scrolls sideways on a narrow screen instead of widening the page. Its caption
 * names it for screen readers; `showCaption` shows it too (where no heading says what it is).
 */
export function scrollingTable(
  caption: string,
  table: HTMLTableElement,
  showCaption = false,
): HTMLElement {
  table.prepend(h('caption', { class: showCaption ? 'shown' : 'visually-hidden' }, caption));
  return h(
    'div',
    { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
    table,
  );
}

export function headerRow(...names: string[]): HTMLTableSectionElement {
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      names.map((name) => h('th', { scope: 'col' }, name)),
    ),
  );
}

/**
 * Previous / Next buttons over paginated lists. `history` holds the positions of the pages
 * before, since a next position may be a cursor (a number of the API's order, or the
 * suppression list's scan cursor) rather than `offset + limit`.
 */
export function pager<P>(
  label: string,
  state: { offset: P; nextOffset: P | null; history: P[] },
  go: (offset: P, history: P[]) => void,
): HTMLElement {
  const previous = h(
    'button',
    {
      type: 'button',
      disabled: state.history.length === 0,
      onclick: () => {
        const before = state.history[state.history.length - 1];
        if (before !== undefined) go(before, state.history.slice(0, -1));
      },
    },
    'Previous page',
  );
  const next = h(
    'button',
    {
      type: 'button',
      disabled: state.nextOffset === null,
      onclick: () => {
        if (state.nextOffset !== null) go(state.nextOffset, [...state.history, state.offset]);
      },
    },
    'Next page',
  );
  return h('nav', { class: 'pager', 'aria-label': label }, previous, next);
}

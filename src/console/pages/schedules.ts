import type { Schedule } from '../api-types.js';
import { h, replaceChildren } from '../dom.js';
import { formatInstant } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { alertBox, errorText, headerRow, pageHeading, scrollingTable, showAlert } from '../ui.js';

/** Recurring runs (`chatbatch schedule`): list them, pause or resume one, remove one. */
export function schedulesPage(ctx: PageContext): Page {
  const alert = alertBox();
  const body = h('div', {}, h('p', {}, 'Loading…'));

  async function act(run: () => Promise<unknown>, done: string) {
    try {
      await run();
      ctx.announce(done);
      showAlert(alert, undefined);
    } catch (error) {
      showAlert(alert, errorText(error));
    }
    await load();
  }

  function removeButton(schedule: Schedule): HTMLElement {
    // Two steps: a removed schedule takes its stored CSV with it.
    const button = h(
      'button',
      { type: 'button', 'aria-label': `Remove ${schedule.name}` },
      'Remove',
    );
    button.addEventListener('click', () => {
      if (button.dataset.armed !== 'yes') {
        button.dataset.armed = 'yes';
        button.textContent = 'Confirm remove';
        button.setAttribute('aria-label', `Confirm: remove ${schedule.name}`);
        return;
      }
      void act(() => ctx.api.removeSchedule(schedule.name), `Removed ${schedule.name}.`);
    });
    return button;
  }

  function row(schedule: Schedule): HTMLTableRowElement {
    const toggle = schedule.paused ? 'Resume' : 'Pause';
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, schedule.name),
      h('td', {}, h('code', {}, schedule.cron)),
      h('td', {}, schedule.tz),
      h('td', {}, schedule.paused ? 'paused' : 'active'),
      h('td', {}, schedule.paused ? '—' : formatInstant(schedule.next)),
      h(
        'td',
        { class: 'row-actions' },
        h(
          'button',
          {
            type: 'button',
            'aria-label': `${toggle} ${schedule.name}`,
            onclick: () =>
              void act(
                () => ctx.api.setSchedulePaused(schedule.name, !schedule.paused),
                `${schedule.paused ? 'Resumed' : 'Paused'} ${schedule.name}.`,
              ),
          },
          toggle,
        ),
        removeButton(schedule),
      ),
    );
  }

  async function load() {
    try {
      const { schedules } = await ctx.api.schedules();
      replaceChildren(
        body,
        schedules.length === 0
          ? h(
              'p',
              {},
              'No schedules. Create them with chatbatch schedule add or POST /v1/schedules.',
            )
          : scrollingTable(
              'Schedules',
              h(
                'table',
                {},
                headerRow('Name', 'Cron', 'Zone', 'State', 'Next run', 'Actions'),
                h('tbody', {}, schedules.map(row)),
              ),
            ),
      );
    } catch (error) {
      showAlert(alert, errorText(error));
    }
  }
  void load();

  const element = h('section', { class: 'page' }, pageHeading('Schedules'), alert, body);
  return { title: 'Schedules', element };
}

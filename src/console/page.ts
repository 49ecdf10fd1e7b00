import type { ApiClient } from './api-client.js';
import type { Timers } from './poller.js';
import type { Session } from './session.js';

/** What every page gets from the shell (main.ts). */
export interface PageContext {
  api: ApiClient;
  session: Session;
  timers: Timers;
  /** Says `message` in the shell's polite live region (screen readers read it once). */
  announce(message: string): void;
}

/** A rendered page: its content, its title, and what to stop when the user leaves it. */
export interface Page {
  title: string;
  element: HTMLElement;
  dispose?(): void;
}

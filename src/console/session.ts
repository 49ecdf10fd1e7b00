/** The part of `sessionStorage` the session uses (a fake in tests). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = 'chatbatch.apiToken';

/**
 * The signed-in API token: kept in memory and in `sessionStorage` (this tab only; closing the tab
 * forgets it; a reload keeps it), never in a cookie or a URL. Storage that refuses (a browser's
 * privacy mode) leaves the token in memory only.
 */
export function createSession(storage: TokenStorage | undefined) {
  let token: string | undefined;
  try {
    token = storage?.getItem(KEY) ?? undefined;
  } catch {
    token = undefined;
  }
  return {
    token: () => token,
    signIn(value: string) {
      token = value;
      try {
        storage?.setItem(KEY, value);
      } catch {
        // memory only
      }
    },
    signOut() {
      token = undefined;
      try {
        storage?.removeItem(KEY);
      } catch {
        // nothing stored
      }
    },
  };
}

export type Session = ReturnType<typeof createSession>;

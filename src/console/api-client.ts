import type {
  BatchList,
  BatchStatus,
  ControlAction,
  ControlResult,
  ConversationList,
  ConversationView,
  IngestReport,
  Priority,
  Schedule,
  SuppressionPage,
} from './api-types.js';

/** An error answer of the API (`{error, message, issues?}`), or a network failure (status 0). */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number,
    /** The API's error code (`batch_not_found`…), or `network` / `bad_answer`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Batch options of an upload: the multipart fields of `POST /v1/batches`. Empty = left out. */
export interface UploadOptions {
  batchId?: string;
  agentId?: string;
  /** ISO-8601 with a zone. */
  scheduleAt?: string;
  /** ISO-8601 with a zone. */
  expireAt?: string;
  /** e.g. `mon-fri 09:00-18:00 Europe/Berlin`. */
  window?: string;
  /** The batch's lane (fair lanes); the server's default is normal. */
  priority?: Priority;
  /** Its share within the lane, 1–100, as text (a form field). */
  weight?: string;
  /** At most N conversations started per recipient in a period: `1/7d`, `3/24h`, `none`. */
  frequencyCap?: string;
  /** Where the batch's signed webhook events go. */
  webhookUrl?: string;
  /** Opt-in webhook events, comma-separated (`conversation.finished`). */
  webhookEvents?: string;
}

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientDeps {
  fetch: FetchLike;
  /** The signed-in token, or undefined. */
  token(): string | undefined;
  /** Called on a 401 (the token was refused or revoked), before the error is thrown. */
  onUnauthorized?(): void;
}

const enc = encodeURIComponent;

/** Turns zod's issues (`[{path, message}]`) into `field: message` text. */
function issuesText(issues: unknown): string {
  if (!Array.isArray(issues)) return '';
  return issues
    .map((issue: { path?: unknown[]; message?: string }) => {
      const where = Array.isArray(issue.path) ? issue.path.join('.') : '';
      return where ? `${where}: ${issue.message ?? ''}` : (issue.message ?? '');
    })
    .filter(Boolean)
    .join('; ');
}

async function errorOf(response: Response): Promise<ApiRequestError> {
  let code = 'bad_answer';
  let message = `the API answered ${response.status}`;
  try {
    const body = (await response.json()) as { error?: string; message?: string; issues?: unknown };
    if (body.error) code = body.error;
    if (body.message) message = body.message;
    const details = issuesText(body.issues);
    if (details) message = `${message} (${details})`;
  } catch {
    // Not the API's JSON error (a proxy's page…): the status says enough.
  }
  return new ApiRequestError(response.status, code, message);
}

/**
 * The console's one way to the data: the /v1 API, with `Authorization: Bearer <token>` on every
 * call. The token never goes into a URL. Ids are percent-encoded in paths.
 */
export function createApiClient(deps: ApiClientDeps) {
  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const token = deps.token();
    if (token) headers.set('authorization', `Bearer ${token}`);
    headers.set('accept', headers.get('accept') ?? 'application/json');
    let response: Response;
    try {
      response = await deps.fetch(path, { ...init, headers });
    } catch (error) {
      throw new ApiRequestError(
        0,
        'network',
        `the API did not answer (${(error as Error).message || 'network error'})`,
      );
    }
    if (response.status === 401) deps.onUnauthorized?.();
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async function json<T>(path: string, init?: RequestInit): Promise<T> {
    return (await (await send(path, init)).json()) as T;
  }

  const post = <T>(path: string) => json<T>(path, { method: 'POST' });
  const withJson = <T>(path: string, method: string, body: unknown) =>
    json<T>(path, {
      method,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  return {
    listBatches: (offset: number, limit: number) =>
      json<BatchList>(`/v1/batches?offset=${offset}&limit=${limit}`),

    batch: (batchId: string) => json<BatchStatus>(`/v1/batches/${enc(batchId)}`),

    conversations: (batchId: string, offset: number, limit: number) =>
      json<ConversationList>(
        `/v1/batches/${enc(batchId)}/conversations?offset=${offset}&limit=${limit}`,
      ),

    conversation: (batchId: string, conversationId: string) =>
      json<ConversationView>(`/v1/batches/${enc(batchId)}/conversations/${enc(conversationId)}`),

    control: (batchId: string, action: ControlAction) =>
      post<ControlResult>(`/v1/batches/${enc(batchId)}/${action}`),

    /** The results file as a Blob (fetched with the token, saved by the page). */
    async results(batchId: string, format: 'csv' | 'jsonl'): Promise<Blob> {
      const response = await send(`/v1/batches/${enc(batchId)}/results?format=${format}`, {
        headers: { accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
      });
      return response.blob();
    },

    /**
     * Uploads a CSV as a multipart form: the option fields first, then the file (the API streams
     * the file and reads the fields before it). `dryRun` validates and enqueues nothing.
     */
    upload(
      file: Blob,
      fileName: string,
      options: UploadOptions,
      flags: { dryRun: boolean; idempotencyKey?: string },
    ): Promise<IngestReport> {
      const form = new FormData();
      for (const [name, value] of Object.entries(options)) {
        if (typeof value === 'string' && value.trim() !== '') form.append(name, value.trim());
      }
      form.append('dryRun', flags.dryRun ? 'true' : 'false');
      form.append('file', file, fileName);
      const headers: Record<string, string> = {};
      if (flags.idempotencyKey) headers['idempotency-key'] = flags.idempotencyKey;
      return json<IngestReport>('/v1/batches', { method: 'POST', body: form, headers });
    },

    schedules: () => json<{ schedules: Schedule[] }>('/v1/schedules'),

    setSchedulePaused: (name: string, paused: boolean) =>
      post<Schedule>(`/v1/schedules/${enc(name)}/${paused ? 'pause' : 'resume'}`),

    removeSchedule: (name: string) =>
      json<{ removed: string }>(`/v1/schedules/${enc(name)}`, { method: 'DELETE' }),

    /** Re-sends the batch's failed webhook events. */
    retryWebhooks: (batchId: string) =>
      post<{ batchId: string; resent: number }>(`/v1/batches/${enc(batchId)}/webhooks/retry`),

    /** A page of the suppression list; `cursor` '0' is the first page. */
    suppressions: (cursor: string, limit: number) =>
      json<SuppressionPage>(`/v1/suppressions?cursor=${enc(cursor)}&limit=${limit}`),

    addSuppressions: (recipientIds: string[], reason?: string) =>
      withJson<{ added: number; alreadyListed: number }>('/v1/suppressions', 'POST', {
        recipientIds,
        ...(reason ? { reason } : {}),
      }),

    /**
     * Takes recipients off the list. The ids go in the body, never in the path: recipient ids
     * are personal data, and request URLs end up in access logs.
     */
    removeSuppressions: (recipientIds: string[]) =>
      withJson<{ removed: number }>('/v1/suppressions', 'DELETE', { recipientIds }),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

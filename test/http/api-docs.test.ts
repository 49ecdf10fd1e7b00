import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

describe('OpenAPI document', () => {
  it('shows every route with its schemas', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/docs/json', headers: AUTH });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'POST /v1/batches',
        'GET /v1/batches',
        'GET /v1/batches/{batchId}',
        'GET /v1/batches/{batchId}/results',
        'POST /v1/batches/{batchId}/cancel',
        'POST /v1/batches/{batchId}/pause',
        'POST /v1/batches/{batchId}/resume',
        'POST /v1/batches/{batchId}/retry-failed',
        'GET /v1/batches/{batchId}/conversations',
        'POST /v1/batches/{batchId}/webhooks/retry',
        'GET /v1/batches/{batchId}/conversations/{conversationId}',
        'GET /v1/batches/{batchId}/rejected',
        'POST /v1/batches/{batchId}/conversations/{conversationId}/turns',
        'GET /v1/schedules',
        'POST /v1/schedules',
        'POST /v1/schedules/{name}/pause',
        'POST /v1/schedules/{name}/resume',
        'DELETE /v1/schedules/{name}',
        'GET /v1/suppressions',
        'GET /v1/suppressions/{recipientId}',
        'POST /v1/suppressions',
        'DELETE /v1/suppressions',
        'DELETE /v1/suppressions/{recipientId}',
      ].sort(),
    );
    for (const [path, methods] of Object.entries(
      doc.paths as Record<
        string,
        Record<string, { responses: Record<string, unknown>; security?: unknown[] }>
      >,
    )) {
      for (const operation of Object.values(methods)) {
        expect(Object.keys(operation.responses).length, path).toBeGreaterThan(0);
        if (['/healthz', '/readyz', '/metrics'].includes(path))
          expect(operation.security).toEqual([]);
        else expect(operation.security, path).toBeUndefined(); // the global bearer requirement
      }
    }
    expect(doc.security).toEqual([{ bearerAuth: [] }]);

    const submit = doc.paths['/v1/batches'].post;
    expect(Object.keys(submit.requestBody.content)).toEqual([
      'application/json',
      'text/csv',
      'multipart/form-data',
    ]);
    expect(submit.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'batchId',
        'agentId',
        'delimiter',
        'strict',
        'dryRun',
        'idempotency-key',
      ]),
    );
    const submission = doc.components.schemas.BatchSubmission;
    expect(submission.required).toEqual(['conversations']);
    expect(doc.components.schemas.Conversation.properties.turns.type).toBe('array');
    expect(doc.components.schemas.Conversation.properties.dynamicVariables).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    expect(submit.responses['202'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/IngestReport',
    );
    const turns = doc.paths['/v1/batches/{batchId}/conversations/{conversationId}/turns'].post;
    expect(turns.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/AppendTurn',
    );
    expect(doc.components.schemas.AppendTurn.properties.input.maxLength).toBe(20_480);
    expect(
      Object.keys(doc.paths['/v1/batches/{batchId}/results'].get.responses['200'].content),
    ).toEqual(['application/x-ndjson; charset=utf-8', 'text/csv; charset=utf-8']);
    // Every schema once (not as `Error` and `ErrorInput`), and each one used by some route.
    expect(Object.keys(doc.components.schemas).sort()).toEqual(
      [
        'AppendTurn',
        'BatchStatus',
        'BatchSubmission',
        'ControlResult',
        'Conversation',
        'ConversationList',
        'ConversationView',
        'Error',
        'IngestReport',
        'Issue',
        'Schedule',
        'ScheduleSubmission',
        'Suppression',
        'TurnRecord',
        'WebhookRetryResult',
      ].sort(),
    );
    const text = JSON.stringify(doc);
    for (const name of Object.keys(doc.components.schemas))
      expect(text, name).toContain(`"#/components/schemas/${name}"`);
    expect(text).not.toMatch(/#\/components\/schemas\/\w+Input"/);
    expect(doc.components.schemas.BatchStatus.properties).toHaveProperty('pausedReason');
    expect(doc.components.schemas.BatchStatus.properties).toHaveProperty('nextSendAt');
    expect(doc.components.schemas.TurnRecord.properties).toHaveProperty('reply');
  });

  it('serves the Swagger UI at /docs', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs', headers: AUTH });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });
});

describe('health and metrics', () => {
  it('answers /healthz, /readyz and /metrics with the ingest counter', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
    });
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
    });
    await h.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: AUTH,
      payload: { agentId: 'a', conversations: [{ turns: ['x', 'y'] }, { turns: [''] }] },
    });
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('chatbatch_ingest_rows_total{result="accepted"} 2');
    expect(metrics.body).toContain('chatbatch_ingest_rows_total{result="rejected"} 1');
    expect(metrics.body).toMatch(/chatbatch_queue_jobs/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hrefs, parseRoute } from '../../src/console/routes.js';

describe('console routes', () => {
  it('maps the top-level pages, with or without slashes', () => {
    for (const hash of ['', '#', '#/', '#/batches', '#/batches/'])
      expect(parseRoute(hash)).toEqual({ page: 'batches' });
    expect(parseRoute('#/upload')).toEqual({ page: 'upload' });
    expect(parseRoute('#/schedules')).toEqual({ page: 'schedules' });
    expect(parseRoute('#/suppressions')).toEqual({ page: 'suppressions' });
    expect(parseRoute(hrefs.suppressions())).toEqual({ page: 'suppressions' });
  });

  it('reads batch and conversation ids, percent-decoded', () => {
    expect(parseRoute('#/batches/spring-1')).toEqual({ page: 'batch', batchId: 'spring-1' });
    expect(parseRoute('#/batches/b1/conversations/a%2Fb%20c%23d')).toEqual({
      page: 'conversation',
      batchId: 'b1',
      conversationId: 'a/b c#d',
    });
  });

  it('round-trips any id through the links it builds', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (batchId, cid) => {
        expect(parseRoute(hrefs.batch(batchId))).toEqual({ page: 'batch', batchId });
        expect(parseRoute(hrefs.conversation(batchId, cid))).toEqual({
          page: 'conversation',
          batchId,
          conversationId: cid,
        });
      }),
    );
  });

  it('answers not-found for anything else, malformed escapes included', () => {
    for (const hash of [
      '#/nope',
      '#/upload/extra',
      // No route carries a recipient id (personal data): the list keeps them in memory.
      '#/suppressions/%2B15550100',
      '#/batches/b1/results',
      '#/batches/b1/conversations',
      '#/batches/b1/conversations/c1/more',
      '#/batches/%E0%A4%A',
      '#/batches/b1/conversations/%',
    ]) {
      expect(parseRoute(hash)).toEqual({ page: 'not-found', hash });
    }
  });
});

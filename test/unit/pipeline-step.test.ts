import { describe, expect, it } from 'vitest';
import { createPipelineStep } from '../../src/producer/pipeline-step.js';

/** A promise the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('a pipeline step', () => {
  it('runs steps one at a time, in order, while the caller goes on', async () => {
    const step = createPipelineStep();
    const log: string[] = [];
    const first = deferred();
    await step.next(async () => {
      log.push('first started');
      await first.promise;
      log.push('first done');
    });
    // The caller is free while the first step runs.
    log.push('caller works');
    const second = step.next(async () => {
      log.push('second started');
    });
    await tick();
    expect(log).toEqual(['first started', 'caller works']);
    first.resolve();
    await second;
    await step.drain();
    expect(log).toEqual(['first started', 'caller works', 'first done', 'second started']);
  });

  it('hands a step’s failure to the next call, without an unhandled rejection meanwhile', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const step = createPipelineStep();
      await step.next(async () => {
        throw new Error('redis down');
      });
      await tick();
      await tick();
      let ran = false;
      await expect(
        step.next(async () => {
          ran = true;
        }),
      ).rejects.toThrow('redis down');
      expect(ran).toBe(false);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('drain rethrows, settled does not', async () => {
    const step = createPipelineStep();
    await step.next(() => Promise.reject(new Error('boom')));
    await expect(step.settled()).resolves.toBeUndefined();
    await expect(step.drain()).rejects.toThrow('boom');
    // Drained: nothing left in flight.
    await expect(step.drain()).resolves.toBeUndefined();
  });
});

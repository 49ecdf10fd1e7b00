import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kickoffJobId, makeKeys, turnJobId } from '../../src/shared/keys.js';

/**
 * Every key of a prefix must carry the hash tag `{prefix}`: Lua scripts, pipelines and MULTI
 * then touch one Redis Cluster slot. This walks every key builder of `makeKeys`, so a builder
 * added without the tag fails here rather than with CROSSSLOT on a cluster.
 */
describe('makeKeys', () => {
  const prefix = 'acme.prod-1';
  const keys = makeKeys(prefix);
  const tag = `{${prefix}}`;

  it('puts the prefix hash tag at the start of every key', () => {
    const built: string[] = [];
    for (const [name, value] of Object.entries(keys)) {
      if (typeof value === 'string') built.push(value);
      else if (typeof value === 'function') {
        const fn = value as (...args: string[]) => string;
        built.push(fn.length <= 1 ? fn('x') : fn('x', 'y'));
      } else throw new Error(`unexpected member ${name}`);
    }
    expect(built.length).toBeGreaterThan(10);
    for (const key of built) expect(key.startsWith(tag), key).toBe(true);
  });

  it('keeps one tag per key, even for ids with braces', () => {
    const key = keys.conversation('b{1}', 'c{2}');
    // Redis hashes the first {...}: the prefix's.
    expect(key.indexOf('{')).toBe(0);
    expect(key.slice(0, key.indexOf('}') + 1)).toBe(tag);
  });

  it('uses BullMQ job ids without ":" that are not all digits', () => {
    const id = turnJobId('b:1', 'c:2', 3);
    expect(id).not.toContain(':');
    expect(id).not.toMatch(/^\d+$/);
  });

  it('keeps the job ids of earlier versions: SHA-1 of batch id, NUL, conversation id', () => {
    // Jobs queued before an upgrade keep these ids: a re-ingest and the watchdog find them.
    const reference = (b: string, c: string) =>
      createHash('sha1').update(b).update('\u0000').update(c).digest('hex');
    expect(turnJobId('run', 'line-2', 1)).toBe(`t-${reference('run', 'line-2')}-1`);
    expect(turnJobId('b', 'lone \ud800 surrogate', 2)).toBe(
      `t-${reference('b', 'lone \ud800 surrogate')}-2`,
    );
    expect(kickoffJobId('spring')).toBe(`k-${createHash('sha1').update('spring').digest('hex')}`);
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: 'binary' }), fc.nat(), (b, c, k) => {
        expect(turnJobId(b, c, k)).toBe(`t-${reference(b, c)}-${k}`);
      }),
      { numRuns: 2_000 },
    );
  });
});

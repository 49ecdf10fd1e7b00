import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import { clusterOptions, sentinelOptions } from '../../src/shared/redis.js';
import {
  isClusterUrl,
  isSentinelUrl,
  isValidRedisUrl,
  parseClusterUrl,
  parseSentinelUrl,
  safeRedisUrl,
} from '../../src/shared/redis-url.js';

describe('REDIS_URL forms', () => {
  it('parses a cluster URL with several seeds, credentials and IPv6', () => {
    expect(parseClusterUrl('redis+cluster://app:p%40ss%2Fw0rd@h1:7000,h2,[::1]:7002/')).toEqual({
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 'p@ss/w0rd',
      tls: false,
    });
    expect(parseClusterUrl('rediss+cluster://:secret@10.0.0.5:6380')).toMatchObject({
      nodes: [{ host: '10.0.0.5', port: 6380 }],
      username: undefined,
      password: 'secret',
      tls: true,
    });
  });

  it.each([
    ['redis+cluster://', 'at least one host'],
    ['redis+cluster://h1:7000,', 'is not host:port'],
    ['redis+cluster://h1:99999', 'is not host:port'],
    ['redis+cluster://h1:7000/2', 'only database 0'],
    ['redis+cluster://h1:7000?tls=true', 'no query options'],
    ['redis+cluster://u:p@ss@h1:7000', 'percent-encode'],
  ])('rejects %s (%s)', (url, rule) => {
    expect(() => parseClusterUrl(url)).toThrow(rule);
    expect(isValidRedisUrl(url)).toBe(false);
  });

  it('never shows a password in its errors or in safeRedisUrl', () => {
    expect(() => parseClusterUrl('redis+cluster://u:hunter2@ss@h1:7000')).toThrow(
      /^(?!.*hunter2)/s,
    );
    expect(safeRedisUrl('redis+cluster://u:hunter2@h1:7000,h2:7001')).toBe(
      'redis+cluster://u:***@h1:7000,h2:7001',
    );
    expect(safeRedisUrl('redis://:hunter2@h1:6379')).toBe('redis://:***@h1:6379');
    expect(safeRedisUrl('redis+cluster://h1:7000,h2:7001')).toBe('redis+cluster://h1:7000,h2:7001');
  });

  it.each([
    ['redis://h1:6379/0?password=hunter2', 'redis://h1:6379/0?password=***'],
    [
      'redis://h1:6379?db=1&password=hunter2&family=6',
      'redis://h1:6379?db=1&password=***&family=6',
    ],
    ['rediss://h1?sentinelPassword=hunter2', 'rediss://h1?sentinelPassword=***'],
    ['redis://hunter2@h1:6379', 'redis://***@h1:6379'],
    ['redis://app:hunter2@h1:6379', 'redis://app:***@h1:6379'],
    ['redis+cluster://hunter2@h1:7000,h2', 'redis+cluster://***@h1:7000,h2'],
    [
      'redis+cluster://u:hunter2@h1:7000?password=hunter2',
      'redis+cluster://u:***@h1:7000?password=***',
    ],
    ['redis://:hun%40ter2@h1', 'redis://:***@h1'],
    ['not a url hunter2', '(unparseable REDIS_URL)'],
  ])('safeRedisUrl(%s) hides the password, in the userinfo or the query', (url, safe) => {
    expect(safeRedisUrl(url)).toBe(safe);
    expect(safeRedisUrl(url)).not.toContain('hunter2');
  });

  it('config accepts single and cluster URLs and names the forms when one is wrong', () => {
    expect(isClusterUrl('REDIS+CLUSTER://h:1')).toBe(true);
    expect(isClusterUrl('redis://h:1')).toBe(false);
    for (const url of ['redis://h:6379/2', 'rediss://h', 'redis+cluster://a:1,b:2']) {
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    }
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://a:1/3' })).toThrow(
      /REDIS_URL: .*redis\+cluster:\/\/host:port/,
    );
  });
});

describe('cluster connection options', () => {
  const url = parseClusterUrl('rediss+cluster://app:pw@h1:7000');

  it('workers wait out outages: no per-request retry limit on any node (BullMQ checks this)', () => {
    const options = clusterOptions('worker', url);
    expect(options.redisOptions).toMatchObject({
      maxRetriesPerRequest: null,
      username: 'app',
      password: 'pw',
      tls: {},
    });
    expect(options.enableOfflineQueue).toBeUndefined();
    expect(options.lazyConnect).toBe(true);
  });

  it('producers fail fast: no offline queue, one retry, a connect timeout, slow reconnects', () => {
    const options = clusterOptions('producer', url);
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.redisOptions).toMatchObject({ maxRetriesPerRequest: 1, connectTimeout: 3000 });
    expect(options.clusterRetryStrategy?.(100)).toBe(2000);
  });
});

describe('Redis Sentinel URLs', () => {
  it('parses sentinels, the primary name, its db, credentials and the sentinels own', () => {
    expect(
      parseSentinelUrl(
        'rediss+sentinel://app:p%40ss@s1:26380,s2,[::1]:26381/my%20primary/2?sentinelPassword=sp',
      ),
    ).toEqual({
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'my primary',
      db: 2,
      username: 'app',
      password: 'p@ss',
      sentinelUsername: undefined,
      sentinelPassword: 'sp',
      tls: true,
    });
    expect(parseSentinelUrl('redis+sentinel://h:26379/mymaster')).toMatchObject({
      db: 0,
      password: undefined,
      tls: false,
    });
    expect(isSentinelUrl('REDIS+SENTINEL://h/m')).toBe(true);
    expect(loadConfig({ REDIS_URL: 'redis+sentinel://a:1,b:2/m' }).redisUrl).toBe(
      'redis+sentinel://a:1,b:2/m',
    );
  });

  it.each([
    ['redis+sentinel://h1:26379', 'names the monitored primary'],
    ['redis+sentinel://h1:26379/', 'names the monitored primary'],
    ['redis+sentinel:///m', 'at least one sentinel'],
    ['redis+sentinel://h1:99999/m', 'is not host:port'],
    ['redis+sentinel://h1/m/x', 'must be a number'],
    ['redis+sentinel://h1/m?password=x', 'take only sentinelUsername and sentinelPassword'],
  ])('rejects %s (%s)', (url, rule) => {
    expect(() => parseSentinelUrl(url)).toThrow(rule);
    expect(isValidRedisUrl(url)).toBe(false);
    expect(() => loadConfig({ REDIS_URL: url })).toThrow(/REDIS_URL: .*redis\+sentinel/);
  });

  it('connection options: the role, the sentinels, READONLY reconnects', () => {
    const url = parseSentinelUrl('redis+sentinel://:pw@s1:1,s2:2/mymaster/1');
    const worker = sentinelOptions('worker', url);
    expect(worker).toMatchObject({
      sentinels: url.sentinels,
      name: 'mymaster',
      db: 1,
      password: 'pw',
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    const producer = sentinelOptions('producer', url);
    expect(producer).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const reconnect = producer.reconnectOnError!;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('OOM command not allowed'))).toBe(false);
  });
});

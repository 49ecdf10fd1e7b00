import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  addressRefusal,
  AddressRefusedError,
  checkUrlHost,
  isLocalhostName,
} from '../../src/webhooks/address-policy.js';
import { createSafeLookup } from '../../src/webhooks/safe-lookup.js';

/**
 * The SSRF rule: only public unicast addresses receive webhooks unless
 * CHATBATCH_WEBHOOK_ALLOW_PRIVATE is on. Pure checks: nothing here opens a connection.
 */
describe('addressRefusal', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'loopback address (IPv4-mapped 127.0.0.1)'],
    ['::ffff:7f00:1', 'loopback address (IPv4-mapped 127.0.0.1)'],
    ['::ffff:10.0.0.1', 'private address (IPv4-mapped 10.0.0.1)'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'loopback address (IPv4-compatible'],
    ['64:ff9b::a9fe:a9fe', 'link-local address (NAT64 169.254.169.254)'],
    ['2002:c0a8:0101::1', 'private address (6to4 192.168.1.1)'],
    ['not-an-ip', 'not an IP address'],
  ])('refuses %s (%s)', (address, what) => {
    expect(addressRefusal(address)).toContain(what);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '192.169.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4007:80e::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(addressRefusal(address)).toBeUndefined();
  });
});

describe('checkUrlHost', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'https://10.0.0.5/hook',
    'http://2130706433/hook', // 127.0.0.1 written as one number: URL parsing normalises it
    'http://0x7f.1/hook',
    'http://localhost:3000/hook',
    'http://api.localhost/hook',
    'http://LOCALHOST./hook',
  ])('refuses %s before any lookup', (url) => {
    expect(() => checkUrlHost(new URL(url))).toThrow(AddressRefusedError);
    expect(() => checkUrlHost(new URL(url))).toThrow('CHATBATCH_WEBHOOK_ALLOW_PRIVATE');
  });

  it('leaves names to the resolver and allows public literals', () => {
    expect(() => checkUrlHost(new URL('https://hooks.example.com/x'))).not.toThrow();
    expect(() => checkUrlHost(new URL('https://8.8.8.8/x'))).not.toThrow();
    expect(isLocalhostName('localhost.example.com')).toBe(false);
  });
});

describe('the safe lookup of delivery sockets', () => {
  type Answer = { error: Error | null; address: string | LookupAddress[]; family?: number };
  const lookupWith = (addresses: LookupAddress[], allowPrivate: boolean, all: boolean) =>
    new Promise<Answer>((resolve) => {
      const lookup = createSafeLookup({ allowPrivate, resolve: async () => addresses });
      lookup(
        'hooks.test',
        { all } as never,
        ((error: Error | null, address: string | LookupAddress[], family?: number) =>
          resolve({ error, address, family })) as never,
      );
    });

  it('refuses a name when any of its addresses is private (rebinding to 127.0.0.1, a mixed answer)', async () => {
    const rebound = await lookupWith([{ address: '127.0.0.1', family: 4 }], false, false);
    expect(rebound.error).toBeInstanceOf(AddressRefusedError);
    expect(rebound.error?.message).toContain(
      'hooks.test resolves to 127.0.0.1, a loopback address',
    );
    const mixed = await lookupWith(
      [
        { address: '93.184.216.34', family: 4 },
        { address: 'fd00::7', family: 6 },
      ],
      false,
      true,
    );
    expect(mixed.error?.message).toContain('unique local');
  });

  it('hands the socket exactly the addresses it checked', async () => {
    const one = await lookupWith([{ address: '93.184.216.34', family: 4 }], false, false);
    expect(one).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    const all = await lookupWith(
      [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      false,
      true,
    );
    expect(all.address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
  });

  it('lets private addresses through when ALLOW_PRIVATE is on', async () => {
    const answer = await lookupWith([{ address: '127.0.0.1', family: 4 }], true, false);
    expect(answer).toEqual({ error: null, address: '127.0.0.1', family: 4 });
  });
});

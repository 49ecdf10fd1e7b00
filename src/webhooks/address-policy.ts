import { isIP } from 'node:net';

/**
 * Which addresses a webhook may be delivered to. A webhook URL is user input: without a rule a
 * batch could make the workers POST into the private network they run in (SSRF). By default
 * only public unicast addresses are allowed; CHATBATCH_WEBHOOK_ALLOW_PRIVATE lifts the rule (a
 * receiver on the same host or network, tests, the demo).
 *
 * Names are checked where they are resolved (safe-lookup.ts), and the connection goes to the
 * address that was checked, so a name that resolves to a public address once and a private one
 * the next time (DNS rebinding) cannot get through.
 */

interface Range {
  /** Network bytes (4 for IPv4, 16 for IPv6). */
  bytes: number[];
  bits: number;
  what: string;
}

function v4(cidr: string, what: string): Range {
  const [address, bits] = cidr.split('/');
  return { bytes: address!.split('.').map(Number), bits: Number(bits), what };
}

function v6(cidr: string, what: string): Range {
  const [address, bits] = cidr.split('/');
  return { bytes: parseIpv6(address!)!, bits: Number(bits), what };
}

const PRIVATE = 'a private address';
const RESERVED = 'a reserved address';

const IPV4_REFUSED: Range[] = [
  v4('0.0.0.0/8', 'an unspecified address'),
  v4('10.0.0.0/8', PRIVATE),
  v4('100.64.0.0/10', 'a carrier-grade NAT address'),
  v4('127.0.0.0/8', 'a loopback address'),
  v4('169.254.0.0/16', 'a link-local address'),
  v4('172.16.0.0/12', PRIVATE),
  v4('192.0.0.0/24', RESERVED),
  v4('192.0.2.0/24', 'a documentation address'),
  v4('192.168.0.0/16', PRIVATE),
  v4('198.18.0.0/15', 'a benchmarking address'),
  v4('198.51.100.0/24', 'a documentation address'),
  v4('203.0.113.0/24', 'a documentation address'),
  v4('224.0.0.0/4', 'a multicast address'),
  v4('240.0.0.0/4', RESERVED),
];

const IPV6_REFUSED: Range[] = [
  v6('::/128', 'an unspecified address'),
  v6('::1/128', 'a loopback address'),
  v6('64:ff9b:1::/48', PRIVATE),
  v6('100::/64', RESERVED),
  v6('2001::/32', 'a Teredo tunnel address'),
  v6('2001:db8::/32', 'a documentation address'),
  v6('fc00::/7', 'a unique local (ULA) address'),
  v6('fe80::/10', 'a link-local address'),
  v6('fec0::/10', 'a site-local address'),
  v6('ff00::/8', 'a multicast address'),
];

/** IPv6 ranges that carry an IPv4 address in their last 32 bits (or bits 16–48 for 6to4). */
const IPV6_EMBEDDING: { range: Range; offset: number }[] = [
  { range: v6('::ffff:0:0/96', 'IPv4-mapped'), offset: 12 },
  { range: v6('::/96', 'IPv4-compatible'), offset: 12 },
  { range: v6('64:ff9b::/96', 'NAT64'), offset: 12 },
  { range: v6('2002::/16', '6to4'), offset: 2 },
];

function inRange(bytes: number[], range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.bits; bit += 8) {
    const take = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (range.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address (zone and brackets removed), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  let address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(address) !== 6) return undefined;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    tail.push(...dotted[1]!.split('.').map(Number));
    // `::ffff:1.2.3.4` → `::ffff`, `::1.2.3.4` → `::`: the groups before the IPv4 part.
    address = address.slice(0, -dotted[1]!.length);
    if (!address.endsWith('::')) address = address.slice(0, -1);
  }
  const groupsNeeded = (16 - tail.length) / 2;
  const [head, rest] = address.includes('::') ? address.split('::') : [address, undefined];
  const headGroups = head ? head.split(':').filter((g) => g !== '') : [];
  const restGroups = rest ? rest.split(':').filter((g) => g !== '') : [];
  const missing = groupsNeeded - headGroups.length - restGroups.length;
  const groups = [
    ...headGroups,
    ...(rest === undefined ? [] : Array<string>(Math.max(0, missing)).fill('0')),
    ...restGroups,
  ].slice(0, groupsNeeded);
  const bytes: number[] = [];
  for (const group of groups) {
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return [...bytes, ...tail];
}

/**
 * Why `address` (an IP literal) may not receive webhooks, e.g. "a loopback address", or
 * undefined when it may. Text that is no IP address is refused too.
 */
export function addressRefusal(address: string): string | undefined {
  const family = isIP(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (family === 4) {
    const bytes = address.split('.').map(Number);
    return IPV4_REFUSED.find((range) => inRange(bytes, range))?.what;
  }
  if (family === 6) {
    const bytes = parseIpv6(address)!;
    const refused = IPV6_REFUSED.find((range) => inRange(bytes, range));
    if (refused) return refused.what;
    for (const { range, offset } of IPV6_EMBEDDING) {
      if (!inRange(bytes, range)) continue;
      const embedded = bytes.slice(offset, offset + 4).join('.');
      const inner = addressRefusal(embedded);
      return inner ? `${inner} (${range.what} ${embedded})` : undefined;
    }
    return undefined;
  }
  return 'not an IP address';
}

/** Names that mean this host whatever DNS says (RFC 6761). */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** A delivery refused by the address rule: permanent, never retried. */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
}

/**
 * Checks a URL's host before any lookup: a literal IP address or a localhost name is decided
 * here (the resolver is not asked for those). Throws AddressRefusedError.
 */
export function checkUrlHost(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const rule = 'set CHATBATCH_WEBHOOK_ALLOW_PRIVATE=on to allow it';
  if (isIP(host)) {
    const refusal = addressRefusal(host);
    if (refusal) throw new AddressRefusedError(`refused: ${host} is ${refusal}; ${rule}`);
  } else if (isLocalhostName(host)) {
    throw new AddressRefusedError(`refused: ${host} names this host; ${rule}`);
  }
}

/**
 * REDIS_URL forms (no ioredis import here, so that config validation stays light):
 * - `redis://[user:password@]host[:port][/db]` and `rediss://…` (TLS): one Redis, Valkey or
 *   Dragonfly;
 * - `redis+cluster://[user:password@]host[:port][,host[:port]…]` and `rediss+cluster://…`: a
 *   Redis Cluster. The hosts are seeds: any one reachable master or replica is enough, the
 *   client discovers the others. A cluster has only database 0.
 */

/** One seed node of a cluster URL. */
export interface ClusterNode {
  host: string;
  port: number;
}

/** A parsed `redis+cluster://` URL. */
export interface ClusterUrl {
  nodes: ClusterNode[];
  /** ACL user, percent-decoded; undefined when the URL has none. */
  username: string | undefined;
  /** Percent-decoded; undefined when the URL has none. Never put it in a message. */
  password: string | undefined;
  /** `rediss+cluster:` connects to every node with TLS. */
  tls: boolean;
}

/** The rule that REDIS_URL must follow, for configuration errors. */
export const REDIS_URL_RULE =
  'must be a URL starting with redis:// or rediss://, or a Redis Cluster as ' +
  'redis+cluster://host:port[,host:port…] (or rediss+cluster://)';

const DEFAULT_PORT = 6379;
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^@/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;

export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(url.trim());
}

function parseNode(text: string): ClusterNode {
  // `[::1]:7000`, `[::1]`, `host:7000` or `host`.
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? DEFAULT_PORT : Number(match[3]);
  if (!host || port < 1 || port > 65_535) {
    throw new Error(`cluster node "${text}" is not host:port`);
  }
  return { host, port };
}

function decode(part: string | undefined): string | undefined {
  return part ? decodeURIComponent(part) : undefined;
}

/**
 * Parses a cluster URL. Throws an Error whose message never contains the password.
 */
export function parseClusterUrl(url: string): ClusterUrl {
  const match = CLUSTER_URL.exec(url.trim());
  if (!match) {
    // The URL is not echoed: a badly encoded password would show through.
    throw new Error(
      'not a valid redis+cluster://[user:password@]host:port[,host:port…] URL ' +
        '(percent-encode "@", "/", "?" and "#" in the user and password)',
    );
  }
  const [, scheme, userinfo, hostList, path, query] = match;
  if (!hostList) throw new Error('a redis+cluster:// URL needs at least one host:port');
  const nodes = hostList.split(',').map(parseNode);
  if (path && !/^\/0?$/.test(path)) {
    throw new Error(`Redis Cluster has only database 0, the URL names ${path.slice(1)}`);
  }
  if (query && query !== '?') {
    throw new Error('redis+cluster:// URLs take no query options');
  }
  const colon = userinfo === undefined ? -1 : userinfo.indexOf(':');
  const username = decode(colon === -1 ? userinfo : userinfo!.slice(0, colon));
  const password = decode(colon === -1 ? undefined : userinfo!.slice(colon + 1));
  return { nodes, username, password, tls: scheme!.toLowerCase() === 'rediss' };
}

/** Whether REDIS_URL is a form chatbatch can connect to (see the file comment). */
export function isValidRedisUrl(url: string): boolean {
  if (isClusterUrl(url)) {
    try {
      parseClusterUrl(url);
      return true;
    } catch {
      return false;
    }
  }
  try {
    return ['redis:', 'rediss:'].includes(new URL(url.trim()).protocol);
  } catch {
    return false;
  }
}

/** The URL with any password replaced, for messages and logs. */
export function safeRedisUrl(url: string): string {
  if (isClusterUrl(url)) {
    // Not a WHATWG URL (several hosts): mask the userinfo's password by hand.
    return url.trim().replace(/^([a-z+]+:\/\/[^:@/]*:)[^/]*@/i, '$1***@');
  }
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

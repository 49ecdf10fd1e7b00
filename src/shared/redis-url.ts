/**
 * REDIS_URL forms (no ioredis import here, so that config validation stays light):
 * - `redis://[user:password@]host[:port][/db]` and `rediss://…` (TLS): one Redis, Valkey or
 *   Dragonfly;
 * - `redis+cluster://[user:password@]host[:port][,host[:port]…]` and `rediss+cluster://…`: a
 *   Redis Cluster. The hosts are seeds: any one reachable master or replica is enough, the
 *   client discovers the others. A cluster has only database 0.
 * - `redis+sentinel://[user:password@]host[:port][,host[:port]…]/mastername[/db]` and
 *   `rediss+sentinel://…`: a primary and its replicas watched by Redis Sentinel. The hosts are
 *   sentinels (default port 26379); the userinfo is the primary's (and replicas') credentials;
 *   `?sentinelUsername=…&sentinelPassword=…` when the sentinels need their own.
 */

/** One host of a multi-host URL (a cluster seed, a sentinel). */
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

/** A parsed `redis+sentinel://` URL. */
export interface SentinelUrl {
  sentinels: ClusterNode[];
  /** The name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
  masterName: string;
  db: number;
  /** Credentials of the primary and replicas; undefined when the URL has none. */
  username: string | undefined;
  password: string | undefined;
  /** Credentials of the sentinels themselves (query options); undefined when none. */
  sentinelUsername: string | undefined;
  sentinelPassword: string | undefined;
  /** `rediss+sentinel:` uses TLS for the sentinels and the primary. */
  tls: boolean;
}

/** The rule that REDIS_URL must follow, for configuration errors. */
export const REDIS_URL_RULE =
  'must be a URL starting with redis:// or rediss://, a Redis Cluster as ' +
  'redis+cluster://host:port[,host:port…], or Redis Sentinel as ' +
  'redis+sentinel://host:port[,host:port…]/mastername (or rediss+…)';

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^@/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;
const SENTINEL_URL =
  /^(rediss?)\+sentinel:\/\/(?:([^@/?#]*)@)?([^@/?#]*)(?:\/([^/?#]*)(?:\/([^/?#]*))?\/?)?(\?[^#]*)?$/i;
const SENTINEL_QUERY_OPTIONS = ['sentinelUsername', 'sentinelPassword'] as const;
const ENCODING_HINT = '(percent-encode "@", "/", "?" and "#" in the user and password)';

export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(url.trim());
}

export function isSentinelUrl(url: string): boolean {
  return /^rediss?\+sentinel:\/\//i.test(url.trim());
}

function parseNode(text: string, defaultPort: number, what: string): ClusterNode {
  // `[::1]:7000`, `[::1]`, `host:7000` or `host`.
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
  if (!host || port < 1 || port > 65_535) {
    throw new Error(`${what} "${text}" is not host:port`);
  }
  return { host, port };
}

function decode(part: string | undefined): string | undefined {
  return part ? decodeURIComponent(part) : undefined;
}

function credentials(userinfo: string | undefined) {
  const colon = userinfo === undefined ? -1 : userinfo.indexOf(':');
  return {
    username: decode(colon === -1 ? userinfo : userinfo!.slice(0, colon)),
    password: decode(colon === -1 ? undefined : userinfo!.slice(colon + 1)),
  };
}

/**
 * Parses a cluster URL. Throws an Error whose message never contains the password.
 */
export function parseClusterUrl(url: string): ClusterUrl {
  const match = CLUSTER_URL.exec(url.trim());
  if (!match) {
    // The URL is not echoed: a badly encoded password would show through.
    throw new Error(
      `not a valid redis+cluster://[user:password@]host:port[,host:port…] URL ${ENCODING_HINT}`,
    );
  }
  const [, scheme, userinfo, hostList, path, query] = match;
  if (!hostList) throw new Error('a redis+cluster:// URL needs at least one host:port');
  const nodes = hostList.split(',').map((node) => parseNode(node, DEFAULT_PORT, 'cluster node'));
  if (path && !/^\/0?$/.test(path)) {
    throw new Error(`Redis Cluster has only database 0, the URL names ${path.slice(1)}`);
  }
  if (query && query !== '?') {
    throw new Error('redis+cluster:// URLs take no query options');
  }
  return { nodes, ...credentials(userinfo), tls: scheme!.toLowerCase() === 'rediss' };
}

/**
 * Parses a sentinel URL. Throws an Error whose message never contains a password.
 */
export function parseSentinelUrl(url: string): SentinelUrl {
  const match = SENTINEL_URL.exec(url.trim());
  if (!match) {
    throw new Error(
      `not a valid redis+sentinel://[user:password@]host:port[,host:port…]/mastername URL ${ENCODING_HINT}`,
    );
  }
  const [, scheme, userinfo, hostList, name, db, query] = match;
  if (!hostList) throw new Error('a redis+sentinel:// URL needs at least one sentinel host:port');
  const sentinels = hostList
    .split(',')
    .map((node) => parseNode(node, DEFAULT_SENTINEL_PORT, 'sentinel'));
  const masterName = decode(name);
  if (!masterName) {
    throw new Error('a redis+sentinel:// URL names the monitored primary: …/mastername');
  }
  if (db !== undefined && db !== '' && !/^\d{1,5}$/.test(db)) {
    throw new Error(`the database after the primary's name must be a number, not "${db}"`);
  }
  const options = new URLSearchParams(query ?? '');
  for (const key of options.keys()) {
    if (!(SENTINEL_QUERY_OPTIONS as readonly string[]).includes(key)) {
      throw new Error(
        `redis+sentinel:// URLs take only ${SENTINEL_QUERY_OPTIONS.join(' and ')} as options, not "${key}"`,
      );
    }
  }
  return {
    sentinels,
    masterName,
    db: db ? Number(db) : 0,
    ...credentials(userinfo),
    sentinelUsername: options.get('sentinelUsername') ?? undefined,
    sentinelPassword: options.get('sentinelPassword') ?? undefined,
    tls: scheme!.toLowerCase() === 'rediss',
  };
}

/** Whether REDIS_URL is a form chatbatch can connect to (see the file comment). */
export function isValidRedisUrl(url: string): boolean {
  try {
    if (isClusterUrl(url)) parseClusterUrl(url);
    else if (isSentinelUrl(url)) parseSentinelUrl(url);
    else return ['redis:', 'rediss:'].includes(new URL(url.trim()).protocol);
    return true;
  } catch {
    return false;
  }
}

/** Query options whose value is a secret (ioredis reads every query option: `?password=`…). */
const SECRET_OPTION = /pass|secret|token|auth/i;

/**
 * The URL with its secrets replaced, for messages and logs: the password of the userinfo (the
 * whole userinfo when it has no ":", as a lone part may be a password), and the value of any
 * query option that names a password (`?password=`, `?sentinelPassword=`). Text only, so a
 * malformed URL is masked too; a password with an unencoded "@" or "/" is still hidden, as
 * the userinfo runs to the last "@" before the query.
 */
export function safeRedisUrl(url: string): string {
  const text = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0];
  if (!scheme) return '(unparseable REDIS_URL)';
  const queryAt = text.indexOf('?', scheme.length);
  const beforeQuery = queryAt === -1 ? text : text.slice(0, queryAt);
  const query = queryAt === -1 ? '' : text.slice(queryAt + 1);
  let rest = beforeQuery.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    rest = `${colon === -1 ? '***' : `${userinfo.slice(0, colon)}:***`}${rest.slice(at)}`;
  }
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      let name = pair.slice(0, equals);
      try {
        name = decodeURIComponent(name);
      } catch {
        // keep it as written
      }
      return SECRET_OPTION.test(name) ? `${pair.slice(0, equals)}=***` : pair;
    })
    .join('&');
  return `${scheme}${rest}${queryAt === -1 ? '' : `?${safeQuery}`}`;
}

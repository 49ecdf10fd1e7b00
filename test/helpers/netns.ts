import { execFile, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A private virtual LAN for "several hosts" tests: a bridge in this (the test's) network
 * namespace with the address `hub`, and one network namespace per host, each joined to the bridge
 * by a veth pair. Addresses come from a random /29 of the link-local 169.254.64.0/18 that nothing
 * else on this machine uses; nothing routes or forwards it anywhere (no default route in the
 * namespaces, no NAT), so traffic stays between the bridge and the namespaces made here.
 */
export interface VirtualLan {
  /** This namespace's address on the bridge (Redis and the simulator listen on it). */
  readonly hub: string;
  /** The hosts: a namespace name and its address. */
  readonly hosts: readonly { readonly namespace: string; readonly address: string }[];
  /** Deletes the namespaces (which deletes their veths) and the bridge. Safe to call twice. */
  destroy(): Promise<void>;
}

/** Whether this process may create network namespaces (root with CAP_NET_ADMIN and `ip`). */
export function namespacesAvailable(): { ok: true } | { ok: false; reason: string } {
  const probe = `cbprobe-${randomBytes(3).toString('hex')}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.error) return { ok: false, reason: `ip: ${added.error.message}` };
  if (added.status !== 0) {
    return { ok: false, reason: `ip netns add failed: ${added.stderr.trim() || added.status}` };
  }
  spawnSync('ip', ['netns', 'del', probe]);
  return { ok: true };
}

function ip(...args: string[]): Promise<unknown> {
  return run('ip', args).catch((error: Error & { stderr?: string }) => {
    throw new Error(`ip ${args.join(' ')}: ${error.stderr?.trim() || error.message}`);
  });
}

/** A /29 (third and fourth octet) that no interface or route here uses yet. */
async function unusedSubnet(): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const subnet = `169.254.${randomInt(64, 128)}.${randomInt(0, 32) * 8}`;
    const { stdout } = await run('ip', ['-4', 'route', 'show', 'table', 'all']);
    const third = subnet.split('.').slice(0, 3).join('.');
    if (!stdout.includes(`${third}.`)) return subnet;
  }
  throw new Error('no unused 169.254.x.y/29 for the test LAN');
}

/** Creates the LAN with `count` hosts (at most 5 in a /29). Cleans up after itself on failure. */
export async function createVirtualLan(count: number): Promise<VirtualLan> {
  if (count < 1 || count > 5) throw new RangeError('1 to 5 hosts fit in a /29');
  const tag = randomBytes(2).toString('hex');
  const bridge = `cbbr${tag}`;
  const [a, b, c, d] = (await unusedSubnet()).split('.').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const address = (n: number) => `${a}.${b}.${c}.${d + n}`;
  const hosts = Array.from({ length: count }, (_, i) => ({
    namespace: `cb-${tag}-h${i + 1}`,
    address: address(i + 2),
    hostSide: `cb${tag}h${i + 1}`,
    nsSide: `cb${tag}n${i + 1}`,
  }));

  const destroyNow = () => {
    for (const host of hosts) {
      spawnSync('ip', ['netns', 'del', host.namespace], { stdio: 'ignore' });
      spawnSync('ip', ['link', 'del', host.hostSide], { stdio: 'ignore' });
    }
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  };
  // A test process that dies before destroy() must not leave namespaces behind.
  process.once('exit', destroyNow);
  let destroyed = false;
  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    process.off('exit', destroyNow);
    // Deleting a namespace deletes its veth end and so the pair; a pair not yet moved into its
    // namespace is deleted by its host-side name.
    await Promise.allSettled(hosts.map((h) => ip('netns', 'del', h.namespace)));
    await Promise.allSettled(hosts.map((h) => ip('link', 'del', h.hostSide)));
    await ip('link', 'del', bridge).catch(() => undefined);
  };

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${address(1)}/29`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    for (const host of hosts) {
      await ip('netns', 'add', host.namespace);
      await ip('link', 'add', host.hostSide, 'type', 'veth', 'peer', 'name', host.nsSide);
      await ip('link', 'set', host.nsSide, 'netns', host.namespace);
      await ip('link', 'set', host.hostSide, 'master', bridge);
      await ip('link', 'set', host.hostSide, 'up');
      await ip('-n', host.namespace, 'addr', 'add', `${host.address}/29`, 'dev', host.nsSide);
      await ip('-n', host.namespace, 'link', 'set', host.nsSide, 'up');
      await ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    hub: address(1),
    hosts: hosts.map(({ namespace, address: hostAddress }) => ({
      namespace,
      address: hostAddress,
    })),
    destroy,
  };
}

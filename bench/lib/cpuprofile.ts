import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './paths.js';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) this reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  /** `function file:line` or a package name. */
  name: string;
  ms: number;
  /** Share of the busy (non-idle) time, in %. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time, in ms, and the part not idle. */
  totalMs: number;
  busyMs: number;
  /** Functions by self time. */
  topSelf: ProfileLine[];
  /** Functions by total time (self + callees; recursion counted once). */
  topTotal: ProfileLine[];
  /** Self time grouped by where the code lives: a package, chatbatch's own files, node, GC. */
  byOrigin: ProfileLine[];
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  return path.startsWith('/') ? relative(ROOT, path) : path;
}

/** Where a function lives: `bullmq`, `chatbatch src/worker`, `node:internal`, `(gc)`. */
function originOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const short = shortUrl(url);
  if (url.includes('/node_modules/')) {
    const parts = short.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (short.startsWith('node:')) return 'node internals';
  const dist = /^(?:bench\/dist\/)?(?:dist|src)\/([^/]+)\//.exec(short);
  return dist ? `chatbatch ${dist[1]}/` : short;
}

/** Reads a `.cpuprofile` and ranks where the time went. */
export async function summariseProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const keyOf = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = shortUrl(url);
    return where ? `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}` : functionName;
  };

  const selfByKey = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') idleMs += ms;
    const key = keyOf(id);
    selfByKey.set(key, (selfByKey.get(key) ?? 0) + ms);
    const origin = originOf(node.callFrame.url, node.callFrame.functionName);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
  }

  // Total time: each node's subtree, added to every function on the path once.
  const totalByKey = new Map<string, number>();
  const subtree = new Map<number, number>();
  const sizeOf = (id: number): number => {
    let sum = self.get(id) ?? 0;
    for (const child of byId.get(id)!.children ?? []) sum += sizeOf(child);
    subtree.set(id, sum);
    return sum;
  };
  const root = profile.nodes[0]!.id;
  sizeOf(root);
  const walk = (id: number, onPath: Set<string>) => {
    const key = keyOf(id);
    const fresh = !onPath.has(key);
    if (fresh) {
      totalByKey.set(key, (totalByKey.get(key) ?? 0) + subtree.get(id)!);
      onPath.add(key);
    }
    for (const child of byId.get(id)!.children ?? []) walk(child, onPath);
    if (fresh) onPath.delete(key);
  };
  walk(root, new Set());

  const busyMs = totalMs - idleMs;
  const rank = (map: Map<string, number>, skip: (k: string) => boolean): ProfileLine[] =>
    [...map]
      .filter(([name]) => !skip(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: (100 * ms) / busyMs }));
  const idleOrRoot = (k: string) => k === '(idle)' || k === '(root)' || k === '(program)';
  return {
    file: relative(ROOT, file),
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busyMs),
    topSelf: rank(selfByKey, (k) => k === '(idle)'),
    topTotal: rank(totalByKey, idleOrRoot),
    byOrigin: rank(byOrigin, (k) => k === '(idle)'),
  };
}

/** The summary as indented text lines for the console. */
export function formatProfile(s: ProfileSummary): string[] {
  const lines = [`profile ${s.file}: ${s.totalMs} ms sampled, ${s.busyMs} ms busy`];
  const section = (title: string, rows: ProfileLine[]) => {
    lines.push(`  ${title}`);
    for (const r of rows)
      lines.push(`    ${r.pct.toFixed(1).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}`);
  };
  section('self time by origin (% of busy):', s.byOrigin);
  section('top functions by self time:', s.topSelf);
  section('top functions by total time:', s.topTotal);
  return lines;
}

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  percent: number;
}

export interface HotSpots {
  file: string;
  sampledMs: number;
  busyMs: number;
  /** Functions by self time. */
  functions: HotSpot[];
  /** The same time by where the code lives: a package, a Natter directory, node internals. */
  modules: HotSpot[];
}

function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const u = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (pkg) return pkg[1];
  const own = /\/((?:services|libs)\/[^/]+)\//.exec(u);
  if (own) return own[1];
  if (u.startsWith('node:')) return 'node internals';
  return u;
}

function top(map: Map<string, number>, busy: number, n: number): HotSpot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({
      name,
      selfMs: Math.round(us / 1000),
      percent: Math.round((us / busy) * 1000) / 10,
    }));
}

/** Self time by function and by module from one `.cpuprofile`; idle time is left out of the shares. */
export function hotSpots(file: string, n = 15): HotSpots {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((nd) => [nd.id, nd.callFrame]));
  // The profiler's own work (serializing the profile at stop) runs under inspector's post():
  // it is left out like idle time.
  const parent = new Map<number, number>();
  for (const nd of prof.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
  const profilerOwn = new Set<number>();
  for (const nd of prof.nodes) {
    for (let x: number | undefined = nd.id; x !== undefined; x = parent.get(x)) {
      const cf = byId.get(x);
      if (cf?.url === 'node:inspector' || cf?.url.endsWith('bench/lib/profile-entry.ts')) {
        profilerOwn.add(nd.id);
        break;
      }
    }
  }
  const fns = new Map<string, number>();
  const mods = new Map<string, number>();
  let total = 0;
  let idle = 0;
  prof.samples.forEach((id, i) => {
    const us = prof.timeDeltas[i] ?? 0;
    total += us;
    const cf = byId.get(id);
    if (!cf) return;
    if (cf.functionName === '(idle)' || profilerOwn.has(id)) {
      idle += us;
      return;
    }
    // tsx's transpiled modules report line 0: their function and file name say enough.
    const line = cf.lineNumber > 0 ? `:${cf.lineNumber + 1}` : '';
    const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|services|libs)\//, '$1/');
    const where = cf.url ? ` ${file}${line}` : '';
    const fn = `${cf.functionName || '(anonymous)'}${where}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    const mod = moduleOf(cf.url, cf.functionName);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  });
  const busy = Math.max(1, total - idle);
  return {
    file,
    sampledMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    functions: top(fns, busy, n),
    modules: top(mods, busy, 10),
  };
}

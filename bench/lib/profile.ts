/** Summarises V8 .cpuprofile files (from --cpu-prof): self time by function and by package. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? u);
  }
  const m = u.match(/(apps|packages)\/([^/]+)\//);
  if (m) return `${m[1]}/${m[2]}`;
  if (u.startsWith('node:') || u === '') return u === '' ? '(native/gc/idle)' : 'node core';
  return u;
}

export function summarizeProfiles(dir: string, top = 25): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  let out = '';
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i] as number;
      self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
    }
    const totalMs = (p.endTime - p.startTime) / 1000;
    const byFn = new Map<string, number>();
    const byPkg = new Map<string, number>();
    for (const [id, ms] of self) {
      const n = byId.get(id);
      if (!n) continue;
      const { functionName, url, lineNumber } = n.callFrame;
      const short = url
        .replace(/^file:\/\//, '')
        .replace(/.*node_modules\//, '')
        .replace(/.*\/work\/main\//, '');
      const key = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
      byFn.set(key, (byFn.get(key) ?? 0) + ms);
      const pkg = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : where(url);
      byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + ms);
    }
    // Inclusive time: each sample counts once for every distinct function on its stack.
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const label = (n: Node) => {
      const { functionName, url, lineNumber } = n.callFrame;
      const short = url
        .replace(/^file:\/\//, '')
        .replace(/.*node_modules\//, '')
        .replace(/.*\/work\/main\//, '');
      return `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
    };
    const incl = new Map<string, number>();
    for (const [id, ms] of self) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const n = byId.get(cur);
        if (!n || n.callFrame.functionName === '(root)' || n.callFrame.functionName === '(idle)') continue;
        seen.add(label(n));
      }
      for (const k of seen) incl.set(k, (incl.get(k) ?? 0) + ms);
    }
    const busy = totalMs - (byFn.get('(idle)  ') ?? 0);
    const fmt = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, ms]) => `  ${ms.toFixed(0).padStart(7)} ms  ${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${k}`)
        .join('\n');
    out += `\n${f}: ${totalMs.toFixed(0)} ms profiled, ~${busy.toFixed(0)} ms not idle\n`;
    out += `self time by package/area:\n${fmt(byPkg)}\nself time by function (top ${top}):\n${fmt(byFn)}\ninclusive time, app code (apps/, packages/):\n${fmt(new Map([...incl].filter(([k]) => /(apps|packages)\//.test(k))))}\ninclusive time, all (top ${top}):\n${fmt(incl)}\n`;
  }
  return out;
}

if (require.main === module)
  process.stdout.write(summarizeProfiles(process.argv[2] ?? '.', Number(process.argv[3] ?? 25)));

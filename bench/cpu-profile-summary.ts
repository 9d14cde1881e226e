// Summarises a V8 .cpuprofile (what `npm run bench -- --only grouped --cpu-prof DIR` writes for the B4
// worker): time by function and by module, self and inclusive (a function counted once per sample
// however deep it recurses), as shares of the whole profile.
// Usage: node dist/bench/cpu-profile-summary.js FILE.cpuprofile [rows]

import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A file URL shortened to what tells modules apart: `nm/kafkajs/…`, `dist/src/…`. */
function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm/').replace(/.*\/dist\//, 'dist/');
}

export interface ProfileSummary {
  readonly totalMicros: number;
  readonly selfByFunction: Map<string, number>;
  readonly selfByModule: Map<string, number>;
  readonly inclusiveByFunction: Map<string, number>;
  readonly inclusiveByModule: Map<string, number>;
}

export function summariseProfile(profile: CpuProfile): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const microsPerNode = new Map<number, number>();
  profile.samples.forEach((id, i) => microsPerNode.set(id, (microsPerNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functionOf = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const moduleOf = (n: ProfileNode): string => shortUrl(n.callFrame.url) || n.callFrame.functionName;
  const add = (map: Map<string, number>, key: string, micros: number): void => {
    map.set(key, (map.get(key) ?? 0) + micros);
  };
  const summary: ProfileSummary = { totalMicros: 0, selfByFunction: new Map(), selfByModule: new Map(), inclusiveByFunction: new Map(), inclusiveByModule: new Map() };
  let total = 0;
  for (const [id, micros] of microsPerNode) {
    total += micros;
    const leaf = nodes.get(id)!;
    add(summary.selfByFunction, functionOf(leaf), micros);
    add(summary.selfByModule, moduleOf(leaf), micros);
    const functions = new Set<string>();
    const modules = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = nodes.get(at)!;
      functions.add(functionOf(n));
      modules.add(moduleOf(n));
    }
    for (const f of functions) add(summary.inclusiveByFunction, f, micros);
    for (const m of modules) add(summary.inclusiveByModule, m, micros);
  }
  return { ...summary, totalMicros: total };
}

function table(title: string, map: Map<string, number>, totalMicros: number, rows: number): string[] {
  const lines = [`== ${title} (profile ${(totalMicros / 1e6).toFixed(2)} s)`];
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    lines.push(`${((100 * micros) / totalMicros).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
  return lines;
}

if (process.argv[1]?.endsWith('cpu-profile-summary.js') === true) {
  const [file, rowsArg] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: node dist/bench/cpu-profile-summary.js FILE.cpuprofile [rows]');
  const rows = Number(rowsArg ?? 30);
  const s = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const out = [
    ...table('self time by function', s.selfByFunction, s.totalMicros, rows),
    '',
    ...table('self time by module', s.selfByModule, s.totalMicros, rows),
    '',
    ...table('inclusive time by function', s.inclusiveByFunction, s.totalMicros, rows),
    '',
    ...table('inclusive time by module', s.inclusiveByModule, s.totalMicros, rows),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

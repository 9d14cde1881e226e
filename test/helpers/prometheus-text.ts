// Parses a /metrics page with the Prometheus project's own text-format parser (the Python client
// library's `text_string_to_metric_families`), so a test checks the exposition against an existing
// implementation rather than against our own reading of the format. The pinned wheel is installed
// once per machine into <repo>/.cache/python (pip, hash-checked), like the Kafka jars.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoPath } from '../kafka/repo-root.js';

const PACKAGE = 'prometheus-client';
const VERSION = '0.21.1';
/** sha256 of prometheus_client-0.21.1-py3-none-any.whl on PyPI. */
const WHEEL_SHA256 = '594b45c410d6f4f8888940fe80b5cc2521b305a1fafe1c58609ef715a001f301';

/** One sample line: `name{labels} value`. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family: its `# TYPE` and `# HELP`, and every sample of it. */
export interface MetricFamily {
  readonly name: string;
  /** counter, gauge, histogram, summary or unknown, as the parser read it. */
  readonly type: string;
  readonly help: string;
  readonly samples: readonly PrometheusSample[];
}

const PARSE_SCRIPT = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
def number(v):
    return v if math.isfinite(v) else str(v)
families = [
    {"name": f.name, "type": f.type, "help": f.documentation,
     "samples": [{"name": s.name, "labels": s.labels, "value": number(s.value)} for s in f.samples]}
    for f in text_string_to_metric_families(sys.stdin.read())
]
json.dump(families, sys.stdout)
`;

let installing: Promise<string> | undefined;

/** The directory holding the parser's Python package, installing it first if needed. */
function parserPath(): Promise<string> {
  return (installing ??= install());
}

async function install(): Promise<string> {
  const target = repoPath('.cache', 'python', `${PACKAGE}-${VERSION}`);
  if (existsSync(join(target, 'prometheus_client', 'parser.py'))) return target;
  await mkdir(repoPath('.cache', 'python'), { recursive: true });
  const temp = await mkdtemp(`${target}.tmp-`);
  try {
    const requirements = join(temp, 'requirements.txt');
    await writeFile(requirements, `${PACKAGE}==${VERSION} --hash=sha256:${WHEEL_SHA256}\n`);
    const packages = join(temp, 'packages');
    await run('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary', ':all:', '--require-hashes', '-r', requirements, '--target', packages]);
    const parser = join(target, 'prometheus_client', 'parser.py');
    if (existsSync(parser)) return target; // another test process installed it meanwhile
    if (existsSync(target)) await rm(target, { recursive: true, force: true }); // an incomplete copy
    try {
      await rename(packages, target);
    } catch (error) {
      // Another test process installed it first.
      if (!existsSync(parser)) throw error;
    }
    return target;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function run(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => reject(new Error(`${command} could not be started (${error.message}); the Prometheus parser needs Python 3 with pip`)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Parses Prometheus text exposition; rejects with the parser's message when the text is not valid. */
export async function parsePrometheusText(text: string): Promise<MetricFamily[]> {
  const path = await parserPath();
  const json = await run('python3', ['-c', PARSE_SCRIPT], { input: text, env: { ...process.env, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: '1' } });
  const families = JSON.parse(json) as { name: string; type: string; help: string; samples: { name: string; labels: Record<string, string>; value: number | string }[] }[];
  return families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, value: Number(s.value) })) }));
}

/** The sum of the samples called `sample` whose labels include `labels` (0 when there are none). */
export function sampleSum(families: readonly MetricFamily[], sample: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const family of families) {
    for (const s of family.samples) {
      if (s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}

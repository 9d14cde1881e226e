// Reads the repository's Dockerfile into stages of instructions, and performs a stage's filesystem
// steps into a directory standing for the image's root: WORKDIR, COPY (from the context or an
// earlier stage), ENV, and RUN lines made of npm/npx commands (run) and the few plumbing commands
// this knows (mkdir -p, chown, npm cache clean: emulated or skipped, each said why). A RUN it does
// not know fails the test, so a new install step cannot be silently left out.

import { spawn } from 'node:child_process';
import { chown, cp, mkdir, readFile } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';

export interface Instruction {
  readonly keyword: string;
  readonly text: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/** The Dockerfile's stages, continuation lines joined and comments dropped; ARG defaults substituted in FROM. */
export async function readDockerfile(path: string): Promise<{ args: Map<string, string>; stages: Stage[] }> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i]!;
    const line = i + 1;
    if (/^\s*(#|$)/.test(text)) continue;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(text);
    if (match === null) throw new Error(`Dockerfile:${line}: cannot read "${text}"`);
    instructions.push({ keyword: match[1]!.toUpperCase(), text: match[2]!.trim(), line });
  }
  const args = new Map<string, string>();
  const stages: { name: string | undefined; from: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.text.replace(/\$\{(\w+)\}/g, (_, arg: string) => args.get(arg) ?? '').split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, from: image!, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile:${instruction.line}: ${instruction.keyword} before FROM`);
      const [key, value = ''] = instruction.text.split('=', 2);
      args.set(key!, value);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** `KEY=value KEY2=value2` of an ENV line (values without spaces, as this Dockerfile writes them). */
export function envPairs(text: string): [string, string][] {
  return text.split(/\s+/).filter((p) => p.length > 0).map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`ENV ${text}: only KEY=value pairs are read`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

/** An exec-form JSON array (ENTRYPOINT, CMD, VOLUME). */
export function execForm(text: string): string[] {
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`expected a JSON array of strings, got ${text}`);
  return value;
}

export interface StageRun {
  /** Image path → path under the stage's root. */
  readonly path: (imagePath: string) => string;
  readonly env: Map<string, string>;
  /** The working directory and user of the last WORKDIR / USER. */
  workdir: string;
  user: string | undefined;
  entrypoint: string[];
  cmd: string[];
  /** Each RUN part and what was done with it. */
  readonly log: string[];
}

export interface PerformOptions {
  readonly context: string;
  /** The stage's root directory. */
  readonly root: string;
  /** Roots of earlier stages by name, for COPY --from. */
  readonly stageRoots: ReadonlyMap<string, string>;
  /** Whether chown can be done (running as root). */
  readonly canChown: boolean;
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`RUN ${command} failed (${code}):\n${Buffer.concat(output).toString().slice(-3000)}`))));
  });
}

/** Performs one stage's steps under `options.root`. */
export async function performStage(stage: Stage, options: PerformOptions): Promise<StageRun> {
  const path = (imagePath: string): string => join(options.root, posix.resolve('/', imagePath));
  const state: StageRun = { path, env: new Map(), workdir: '/', user: undefined, entrypoint: [], cmd: [], log: [] };
  const imagePath = (p: string): string => posix.resolve(state.workdir, p);
  for (const { keyword, text, line } of stage.instructions) {
    switch (keyword) {
      case 'WORKDIR':
        state.workdir = imagePath(text);
        await mkdir(path(state.workdir), { recursive: true });
        break;
      case 'ENV':
        for (const [key, value] of envPairs(text)) state.env.set(key, value);
        break;
      case 'COPY': {
        const words = text.split(/\s+/);
        const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
        const dest = words.pop()!;
        const sourceRoot = from === undefined ? options.context : options.stageRoots.get(from);
        if (sourceRoot === undefined) throw new Error(`Dockerfile:${line}: COPY --from=${from}: no such stage`);
        for (const source of words) {
          if (source === '.' || source.includes('*')) throw new Error(`Dockerfile:${line}: COPY ${source}: copy named paths only (this test does not read .dockerignore)`);
          const target = dest.endsWith('/') || words.length > 1 ? join(path(imagePath(dest)), basename(source)) : path(imagePath(dest));
          await cp(join(sourceRoot, from === undefined ? source : posix.resolve('/', source)), target, { recursive: true });
        }
        break;
      }
      case 'RUN':
        for (const part of text.split('&&').map((p) => p.trim())) await runPart(part, state, options, line);
        break;
      case 'USER':
        state.user = text;
        break;
      case 'ENTRYPOINT':
        state.entrypoint = execForm(text);
        break;
      case 'CMD':
        state.cmd = execForm(text);
        break;
      case 'VOLUME':
      case 'EXPOSE':
      case 'STOPSIGNAL':
      case 'ARG':
        break; // metadata, checked by the test where it matters
      default:
        throw new Error(`Dockerfile:${line}: ${keyword} is not performed by this test: teach test/e2e/helpers/dockerfile.ts`);
    }
  }
  return state;
}

async function runPart(part: string, state: StageRun, options: PerformOptions, line: number): Promise<void> {
  const cwd = state.path(state.workdir);
  if (/^npm cache clean\b/.test(part)) {
    state.log.push(`skipped: ${part} (image size only; here it would empty the machine's npm cache)`);
  } else if (/^(npm|npx) /.test(part)) {
    await run(part, cwd, { ...process.env, ...Object.fromEntries(state.env) });
    state.log.push(`ran: ${part}`);
  } else if (/^mkdir -p /.test(part)) {
    for (const dir of part.split(/\s+/).slice(2)) await mkdir(state.path(dir), { recursive: true });
    state.log.push(`emulated: ${part}`);
  } else if (/^chown \d+:\d+ /.test(part)) {
    const [, owner, ...paths] = part.split(/\s+/);
    const [uid, gid] = owner!.split(':').map(Number);
    if (options.canChown) for (const p of paths) await chown(state.path(p), uid!, gid!);
    state.log.push(`${options.canChown ? 'emulated' : 'skipped (not root: the directories are this user\'s)'}: ${part}`);
  } else {
    throw new Error(`Dockerfile:${line}: RUN ${part}: not an npm/npx command nor a known one; teach test/e2e/helpers/dockerfile.ts`);
  }
}

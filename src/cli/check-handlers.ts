// `streamd check`'s handler step: bundles and imports the manifest's handler modules as `start` would
// (into a temporary directory, removed after), so an export that does not exist, a module that does
// not build or an import nothing provides is reported with the manifest's problems, in the same run.
// The custom codecs (`codecs:`) load in the same build; each chain is then checked against their kinds.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HandlerReference, Manifest, ManifestProblem } from '../manifest/index.js';
import { codecChainProblems, codecRefs, codecsByName } from './codec-modules.js';

interface DeclaredHandler {
  readonly path: string;
  readonly handler: HandlerReference;
}

function declared(manifest: Manifest): DeclaredHandler[] {
  return [
    ...[...manifest.agents.values()].map(({ name, handler }) => ({ path: `agents.${name}.handler`, handler })),
    // Function sinks (`./file.ts#export`) load like handlers, so a missing export fails check too.
    ...[...manifest.agents.values()].flatMap(({ name, sinks }) => sinks.flatMap((sink, i) => (sink.kind === 'handler' ? [{ path: `agents.${name}.sinks[${i}]`, handler: sink.handler }] : []))),
    ...[...manifest.timers.values()].map(({ name, handler }) => ({ path: `timers.${name}.handler`, handler })),
    ...[...manifest.crontabs.values()].map(({ name, handler }) => ({ path: `crontabs.${name}.handler`, handler })),
    ...[...manifest.tasks.values()].map(({ name, handler }) => ({ path: `tasks.${name}.handler`, handler })),
    ...manifest.views.map(({ handler }, i) => ({ path: `views[${i}].handler`, handler })),
    ...[...manifest.tables.values()].flatMap(({ name, onWindowClose, hooks = {} }) => [
      ...(onWindowClose === undefined ? [] : [{ path: `tables.${name}.onWindowClose`, handler: onWindowClose }]),
      ...Object.entries(hooks).map(([hook, handler]) => ({ path: `tables.${name}.${hook}`, handler })),
    ]),
  ];
}

interface LoadProblem {
  readonly kind: string;
  readonly file: string;
  readonly handlerFile: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly hints: readonly string[];
  readonly lineText?: string;
  readonly width?: number;
}

/** Problems of loading the manifest's handler modules, as manifest problems; none when they all load. */
export async function handlerProblems(manifest: Manifest): Promise<ManifestProblem[]> {
  const handlers = [
    ...declared(manifest),
    ...[...manifest.codecs.values()].map(({ name, module }) => ({ path: `codecs.${name}`, handler: module })),
  ].flatMap((d) => (d.handler.kind === 'module' ? [{ path: d.path, handler: d.handler }] : []));
  if (handlers.length === 0) return [];
  // Loaded on use: esbuild and the handlers area are only needed once the manifest has handlers.
  const { HandlerBundler, handlerKey } = await import('../handlers/index.js');
  const buildDir = await mkdtemp(join(tmpdir(), 'streamd-check-'));
  const bundler = new HandlerBundler({ appRoot: dirname(manifest.sourcePath), buildDir });
  const codecs = codecRefs(manifest);
  try {
    const refs = handlers.filter(({ path }) => !path.startsWith('codecs.')).map(({ handler }) => ({ file: handler.file, exportName: handler.exportName, origin: handler.location }));
    const loaded = await bundler.load([...refs, ...codecs.values()]);
    return codecChainProblems(manifest, codecsByName(codecs, loaded, handlerKey));
  } catch (error) {
    const problems = (error as { code?: unknown; problems?: unknown }).problems;
    if ((error as { code?: unknown }).code !== 'STREAMD_HANDLER' || !Array.isArray(problems)) throw error;
    // A missing module is already a manifest problem (the loader checks that every handler file exists).
    return (problems as LoadProblem[]).filter((p) => p.kind !== 'missing_file').map((p) => asManifestProblem(p, handlers));
  } finally {
    await bundler.dispose().catch(() => undefined);
    await rm(buildDir, { recursive: true, force: true });
  }
}

function asManifestProblem(problem: LoadProblem, handlers: readonly { path: string; handler: HandlerReference & { kind: 'module' } }[]): ManifestProblem {
  const at = handlers.find(({ handler }) => handler.location.file === problem.file && handler.location.line === problem.line) ?? handlers.find(({ handler }) => handler.file === problem.handlerFile);
  return {
    file: problem.file,
    line: problem.line,
    column: problem.column,
    path: at?.path ?? '',
    message: problem.message,
    ...(problem.hints.length === 0 ? {} : { hint: problem.hints.join('; ') }),
    ...(problem.lineText === undefined ? {} : { excerpt: { lineText: problem.lineText, width: problem.width ?? 1 } }),
  };
}

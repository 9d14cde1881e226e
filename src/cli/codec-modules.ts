// The manifest's custom codecs (`codecs: { rot13: ./codecs.ts#rot13 }`): bundled and imported like
// handler modules (HandlerBundler), but loaded once and never watched. `streamd start` loads them
// before the worker (load-worker.ts), `streamd send` when its topic's chain names one, and `streamd
// check` with the handlers (check-handlers.ts), which also checks each chain against the codecs' kinds.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HandlerRef } from '../handlers/index.js';
import type { Manifest, ManifestProblem, TopicDeclaration } from '../manifest/index.js';
import { ModelRegistry, createTopicCodecs, type CustomCodec, type CustomCodecs } from '../models/index.js';

/** The bundler refs of the manifest's codecs, by codec name (a codec object is expected, not a function). */
export function codecRefs(manifest: Manifest): Map<string, HandlerRef> {
  const refs = new Map<string, HandlerRef>();
  for (const { name, module } of manifest.codecs.values()) {
    if (module.kind === 'module') refs.set(name, { file: module.file, exportName: module.exportName, origin: module.location, expects: 'codec' });
  }
  return refs;
}

/** The loaded codecs by name, picked from a bundler load's result (keyed by `handlerKey`). */
export function codecsByName(refs: ReadonlyMap<string, HandlerRef>, loaded: ReadonlyMap<string, unknown>, keyOf: (ref: HandlerRef) => string): Map<string, CustomCodec> {
  const codecs = new Map<string, CustomCodec>();
  for (const [name, ref] of refs) {
    const codec = loaded.get(keyOf(ref));
    if (codec !== undefined) codecs.set(name, codec as CustomCodec);
  }
  return codecs;
}

/**
 * Bundles and imports the manifest's codec modules into a directory of `buildDir` (a temporary one when
 * absent), removed once imported: an imported module stays loaded. Throws HandlerLoadError
 * (STREAMD_HANDLER) listing every module, export and codec-shape problem.
 */
export async function loadCodecs(manifest: Manifest, buildDir?: string): Promise<CustomCodecs> {
  const refs = codecRefs(manifest);
  if (refs.size === 0) return new Map();
  // Loaded on use: esbuild is only needed once the manifest declares codecs.
  const { HandlerBundler, handlerKey } = await import('../handlers/index.js');
  const dir = buildDir ?? (await mkdtemp(join(tmpdir(), 'streamd-codecs-')));
  const bundler = new HandlerBundler({ appRoot: dirname(manifest.sourcePath), buildDir: dir });
  try {
    return codecsByName(refs, await bundler.load([...refs.values()]), handlerKey);
  } finally {
    await bundler.dispose().catch(() => undefined);
    if (buildDir === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Whether a topic's key or value chain names a custom codec. */
export function topicUsesCustomCodecs(manifest: Manifest, topic: TopicDeclaration): boolean {
  return [topic.keySerializer, topic.valueSerializer, ...topic.keyByteCodecs, ...topic.valueByteCodecs].some((name) => manifest.codecs.has(name));
}

/**
 * What building each topic's codecs with the loaded custom codecs refuses: a value codec out of first
 * place, a custom serializer under type bytes. At the topic, with the chain named.
 */
export function codecChainProblems(manifest: Manifest, codecs: CustomCodecs): ManifestProblem[] {
  const models = new ModelRegistry(new Map([...manifest.models].map(([name, model]) => [name, model.schema])));
  const problems: ManifestProblem[] = [];
  for (const topic of manifest.topics.values()) {
    if (!topicUsesCustomCodecs(manifest, topic)) continue;
    try {
      createTopicCodecs({
        keyType: topic.keyType.name,
        valueType: topic.valueType.name,
        keySerializer: topic.keySerializer,
        valueSerializer: topic.valueSerializer,
        keyByteCodecs: topic.keyByteCodecs,
        valueByteCodecs: topic.valueByteCodecs,
        models,
        customCodecs: codecs,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push({ ...topic.location, path: `topics.${topic.name}`, message: `topic "${topic.name}": ${message}` });
    }
  }
  return problems;
}

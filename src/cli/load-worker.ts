// The one module that imports the engine (src/worker, src/handlers). `streamd start` loads it lazily,
// so the other commands (check, agents, models, send) never load esbuild or the worker.

import { dirname } from 'node:path';
import type { AnyAgent } from '../agents/index.js';
import { TABLE_HOOK_NAMES, type HandlerReference } from '../manifest/index.js';
import type { TimerHandler } from '../timers/index.js';
import type { View } from '../web/index.js';
import type { SinkHandler } from '../worker/index.js';
import type { WindowCloseHandler } from '../worker/window-close-handlers.js';
import type { HandlerKind } from './handler-reload.js';
import type { CreateWorker } from './start-command.js';
import { loadCodecs } from './codec-modules.js';

/**
 * Returns a `createWorker(manifest, { logger })` that compiles and loads the handler modules of the
 * agents, timers, crontabs, start-up tasks and views (HandlerBundler), takes function handlers
 * (TypeScript manifests) as they are, and hands them all to src/worker's `createWorker`. A handler
 * that does not build or load rejects with STREAMD_HANDLER (exit 2). Module handlers are watched and
 * hot-reloaded (handler-reload.ts): an agent's actors switch at an event boundary, a timer, crontab or
 * task uses the new code from its next firing (a run in progress finishes with the old), a view from
 * its next request. A task that already ran does not run again. The build directory is removed when
 * the worker ends. Custom codecs (`codecs:`) are loaded once, before the worker, and not hot-reloaded:
 * a record already encoded must decode with the code that encoded it, so a codec change needs a restart.
 */
export async function loadCreateWorker(): Promise<CreateWorker> {
  const [{ createWorker }, { HandlerBundler, handlerKey }, { watchHandlers, declaredHandlers }] = await Promise.all([
    import('../worker/index.js'),
    import('../handlers/index.js'),
    import('./handler-reload.js'),
  ]);
  return async (manifest, { logger }) => {
    const declared = declaredHandlers(manifest);
    const bundler = new HandlerBundler({ appRoot: dirname(manifest.sourcePath), buildDir: manifest.buildDir });
    let worker;
    try {
      const codecs = await loadCodecs(manifest, manifest.buildDir);
      // Function handlers (a TypeScript manifest's) were compiled with the manifest; only modules are bundled.
      const sinkRefs = [...manifest.agents.values()].flatMap((agent) => agent.sinks.flatMap((sink) => (sink.kind === 'handler' ? [sink] : [])));
      const refs = [...declared.map((d) => d.handler), ...sinkRefs.map((sink) => sink.handler)].flatMap((handler) =>
        handler.kind === 'module' ? [{ file: handler.file, exportName: handler.exportName, origin: handler.location }] : [],
      );
      const loaded = refs.length === 0 ? new Map<string, unknown>() : await bundler.load(refs);
      const handlerOf = (handler: HandlerReference): unknown => (handler.kind === 'function' ? handler.fn : loaded.get(handlerKey(handler)));
      const byName = <T>(kind: HandlerKind): Map<string, T> => new Map(declared.filter((d) => d.kind === kind).map((d) => [d.name, handlerOf(d.handler) as T]));
      worker = await createWorker(manifest, {
        logger,
        handlers: byName<AnyAgent>('agent'),
        timers: byName<TimerHandler>('timer'),
        tasks: byName<TimerHandler>('task'),
        crontabs: byName<TimerHandler>('crontab'),
        views: byName<View>('view'),
        // Function sinks are loaded once; they are not hot-reloaded.
        sinks: new Map(sinkRefs.map((sink) => [sink.name, handlerOf(sink.handler) as SinkHandler])),
        windowClose: byName<WindowCloseHandler>('windowClose'),
        codecs,
        tableHooks: Object.fromEntries(TABLE_HOOK_NAMES.map((hook) => [hook, byName<unknown>(hook)])),
      });
      await watchHandlers(worker, bundler, manifest, logger);
    } catch (error) {
      await bundler.dispose().catch(() => undefined);
      throw error;
    }
    worker.whenStopped().then(
      () => bundler.dispose(),
      () => bundler.dispose(),
    ).catch((error: unknown) => logger.warn({ err: error }, 'could not remove the handler build directory'));
    return worker;
  };
}

// Hot reload for `streamd start`: watches the module handlers' sources and hands rebuilt handlers to
// the worker: agents switch their actors over at an event boundary; timers, crontabs and tasks use the
// new code from their next firing; views from their next request; table hooks from their next call. Loaded lazily with the engine
// (see load-worker.ts).

import type { Logger } from 'pino';
import type { AnyAgent } from '../agents/index.js';
import { HandlerReloader, handlerKey, type HandlerBundler } from '../handlers/index.js';
import type { HandlerReference, Manifest, ModuleHandlerReference, TableHookName } from '../manifest/index.js';
import { viewName, type Worker } from '../worker/index.js';

export type HandlerKind = 'agent' | 'timer' | 'task' | 'crontab' | 'view' | 'windowClose' | TableHookName;

/** Every handler the manifest declares: its kind and the name the worker knows it by (a view's is `<METHOD> <path>`). */
export function declaredHandlers(manifest: Manifest): { kind: HandlerKind; name: string; handler: HandlerReference }[] {
  return [
    ...[...manifest.agents.values()].map(({ name, handler }) => ({ kind: 'agent' as const, name, handler })),
    ...[...manifest.timers.values()].map(({ name, handler }) => ({ kind: 'timer' as const, name, handler })),
    ...[...manifest.tasks.values()].map(({ name, handler }) => ({ kind: 'task' as const, name, handler })),
    ...[...manifest.crontabs.values()].map(({ name, handler }) => ({ kind: 'crontab' as const, name, handler })),
    ...manifest.views.map((view) => ({ kind: 'view' as const, name: viewName(view), handler: view.handler })),
    ...[...manifest.tables.values()].flatMap(({ name, onWindowClose }) => (onWindowClose === undefined ? [] : [{ kind: 'windowClose' as const, name, handler: onWindowClose }])),
    ...[...manifest.tables.values()].flatMap(({ name, hooks: { onKeySet, onKeyDel, onChangelogEvent } = {} }) =>
      ([['onKeySet', onKeySet], ['onKeyDel', onKeyDel], ['onChangelogEvent', onChangelogEvent]] as const).flatMap(([kind, handler]) => (handler === undefined ? [] : [{ kind, name, handler }]))),
  ];
}

/** The declared handlers that are modules (a TypeScript manifest's functions are not rebuilt). */
function moduleHandlers(manifest: Manifest): { kind: HandlerKind; name: string; handler: ModuleHandlerReference }[] {
  return declaredHandlers(manifest).flatMap((entry) => (entry.handler.kind === 'module' ? [{ ...entry, handler: entry.handler }] : []));
}

/**
 * Starts a reloader for the manifest's module handlers, stopped when the worker stops. A rebuild
 * that fails is logged by the reloader and the running handlers stay.
 */
export async function watchHandlers(worker: Worker, bundler: HandlerBundler, manifest: Manifest, logger: Logger): Promise<void> {
  const modules = moduleHandlers(manifest);
  if (modules.length === 0) return;
  const reloader = new HandlerReloader({
    logger,
    bundler,
    onReload: async (handlers, rebuiltKeys) => {
      const changed = new Map<HandlerKind, Map<string, unknown>>();
      for (const { kind, name, handler: reference } of modules) {
        const key = handlerKey(reference);
        const handler = handlers.get(key);
        if (!rebuiltKeys.has(key) || handler === undefined) continue;
        if (!changed.has(kind)) changed.set(kind, new Map());
        changed.get(kind)!.set(name, handler);
      }
      for (const [kind, named] of changed) if (kind !== 'agent') worker.reloadHandlersOf(kind, named);
      const agents = changed.get('agent');
      if (agents !== undefined) await worker.reloadHandlers(agents as Map<string, AnyAgent>);
    },
  });
  await reloader.start();
  void worker.whenStopped().then(() => reloader.stop());
}

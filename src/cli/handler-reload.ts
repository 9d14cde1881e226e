// Hot reload for `streamd start`: watches the agents' handler sources and hands rebuilt handlers to
// the worker, which switches each changed agent's actors over at an event boundary. Loaded lazily
// with the engine (see load-worker.ts).

import type { Logger } from 'pino';
import type { AnyAgent } from '../agents/index.js';
import { HandlerReloader, handlerKey, type HandlerBundler } from '../handlers/index.js';
import type { AgentDeclaration, ModuleHandlerReference } from '../manifest/index.js';
import type { Worker } from '../worker/index.js';

/**
 * Starts a reloader for the module handlers of `agents`, stopped when the worker stops. A rebuild
 * that fails is logged by the reloader and the running handlers stay.
 */
export async function watchHandlers(worker: Worker, bundler: HandlerBundler, agents: readonly AgentDeclaration[], logger: Logger): Promise<void> {
  const modules = agents.filter((agent): agent is AgentDeclaration & { readonly handler: ModuleHandlerReference } => agent.handler.kind === 'module');
  if (modules.length === 0) return;
  const reloader = new HandlerReloader({
    logger,
    bundler,
    onReload: async (handlers, rebuiltKeys) => {
      const changed = new Map<string, AnyAgent>();
      for (const agent of modules) {
        const key = handlerKey(agent.handler);
        const handler = handlers.get(key);
        if (rebuiltKeys.has(key) && handler !== undefined) changed.set(agent.name, handler as unknown as AnyAgent);
      }
      if (changed.size > 0) await worker.reloadHandlers(changed);
    },
  });
  await reloader.start();
  void worker.whenStopped().then(() => reloader.stop());
}

// The one module that imports the engine (src/worker, src/handlers). `streamd start` loads it lazily,
// so the other commands (check, agents, models, send) never load esbuild or the worker.

import { dirname } from 'node:path';
import type { AnyAgent } from '../agents/index.js';
import type { CreateWorker } from './start-command.js';

/**
 * Returns a `createWorker(manifest, { logger })` that compiles and loads the agents' handler modules
 * (HandlerBundler) and hands them to src/worker's `createWorker`. A handler that does not build or
 * load rejects with STREAMD_HANDLER (exit 2). The build directory is removed when the worker ends.
 */
export async function loadCreateWorker(): Promise<CreateWorker> {
  const [{ createWorker }, { HandlerBundler, handlerKey }] = await Promise.all([import('../worker/index.js'), import('../handlers/index.js')]);
  return async (manifest, { logger }) => {
    const agents = [...manifest.agents.values()];
    const bundler = new HandlerBundler({ appRoot: dirname(manifest.sourcePath) });
    let worker;
    try {
      const loaded = await bundler.load(agents.map((agent) => ({ file: agent.handler.file, exportName: agent.handler.exportName, origin: agent.handler.location })));
      const handlers = new Map(agents.map((agent) => [agent.name, loaded.get(handlerKey(agent.handler)) as unknown as AnyAgent]));
      worker = await createWorker(manifest, { logger, handlers });
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

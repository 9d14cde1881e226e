// Hot reload of agent handlers: each changed agent's actors finish the event in hand and go on with
// the new code. A handler whose groupBy/through topology differs is refused: the consumer's
// subscription is fixed for the life of the worker, so that change needs a restart.

import type { Logger } from 'pino';
import { probeAgent, type AgentRunner, type AnyAgent } from '../agents/index.js';
import type { Plan } from './plan.js';

export async function reloadAgents(plan: Plan, runners: readonly AgentRunner[], handlers: ReadonlyMap<string, AnyAgent>, log: Logger): Promise<void> {
  for (const [name, handler] of handlers) {
    const planned = plan.agents.find((a) => a.declaration.name === name);
    const runner = runners.find((r) => r.name === `agent ${name}`);
    if (planned === undefined || runner === undefined || planned.handler() === handler) continue;
    const probed = await probeAgent(handler);
    const before = planned.repartitions.map((r) => r.name).join(',') + '|' + planned.throughTopics.join(',');
    const after = probed.groupBys.map((g) => g.name).join(',') + '|' + probed.throughTopics.join(',');
    if (before !== after) {
      log.error({ agent: name, before, after }, 'reload refused: the handler changes its groupBy/through topics; restart the worker to apply it');
      continue;
    }
    planned.replace(handler);
    runner.restartRuns();
    log.info({ agent: name }, 'handler reloaded');
  }
}

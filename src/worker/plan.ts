// The physical plan of an app, made before anything starts: each agent's handler, the repartition
// and `through` topics its handler declares (found by probing it), and the names of every topic.

import { probeAgent, type Agent, type AnyAgent } from '../agents/index.js';
import { ConfigError } from '../errors/index.js';
import { assertNoHandlerProblems, duplicateRepartitionProblems, type AgentDeclaration, type Manifest, type RepartitionUse } from '../manifest/index.js';
import { appPrefix, deadLetterTopic, repartitionTopic } from './naming.js';

export interface PlannedAgent {
  readonly declaration: AgentDeclaration;
  /** Returns the current handler function (it changes on reload). */
  readonly handler: () => Agent;
  /** Replaces the handler that `handler()` returns. */
  readonly replace: (handler: AnyAgent) => void;
  readonly repartitions: readonly { readonly name: string; readonly topic: string; readonly partitions: number | undefined }[];
  readonly throughTopics: readonly string[];
  readonly deadLetterTopic: string;
}

export interface Plan {
  readonly prefix: string;
  readonly agents: readonly PlannedAgent[];
}

/** Probes every agent's handler and checks what it declares against the manifest. */
export async function makePlan(manifest: Manifest, handlers: ReadonlyMap<string, AnyAgent>): Promise<Plan> {
  const prefix = appPrefix(manifest);
  const agents: PlannedAgent[] = [];
  const uses: RepartitionUse[] = [];
  for (const declaration of manifest.agents.values()) {
    const handler = handlers.get(declaration.name);
    if (handler === undefined) throw new ConfigError(`agent ${declaration.name}: no handler was loaded for it`);
    const probed = await probeAgent(handler);
    for (const { name } of probed.groupBys) {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) {
        throw new ConfigError(`${where(declaration)}: groupBy name "${name}" must be letters, digits, ".", "_" or "-" (it becomes part of a topic name)`);
      }
      uses.push({ agent: declaration.name, name });
    }
    if (declaration.hasIsolatedPartitions && (probed.groupBys.length > 0 || probed.throughTopics.length > 0)) {
      throw new ConfigError(`${where(declaration)}: isolatedPartitions cannot be combined with groupBy or through in its handler (their streams are shared by the agent's actors); remove one of them`);
    }
    for (const topic of probed.throughTopics) {
      if (!manifest.topics.has(topic)) throw new ConfigError(`${where(declaration)}: through("${topic}") names a topic the manifest does not declare`);
      if (manifest.topics.get(topic)?.pattern !== undefined) throw new ConfigError(`${where(declaration)}: through("${topic}") names a topic pattern; through writes to one topic: declare it by its name`);
    }
    let current: AnyAgent = handler;
    agents.push({
      declaration,
      handler: () => current,
      replace: (next) => (current = next),
      repartitions: probed.groupBys.map((g) => ({ ...g, topic: repartitionTopic(prefix, declaration.name, g.name) })),
      throughTopics: probed.throughTopics,
      deadLetterTopic: deadLetterTopic(prefix, declaration.name),
    });
  }
  assertNoHandlerProblems(duplicateRepartitionProblems(manifest, uses));
  return { prefix, agents };
}

function where(declaration: AgentDeclaration): string {
  const { file, line, column } = declaration.handler.location;
  // A TypeScript manifest's values have no line (0): name the file alone.
  return `${line > 0 ? `${file}:${line}:${column}` : file}: agents.${declaration.name}`;
}

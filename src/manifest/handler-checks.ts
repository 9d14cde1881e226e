// Handler-level checks: problems only visible once handlers are compiled and their streams built
// (e.g. two `groupBy` calls in one agent with the same repartition name). The handlers area collects
// what it found and calls these; they report at the agent's handler reference, like every manifest problem.

import { ManifestError } from './errors.js';
import type { Manifest, ManifestProblem, SourceLocation } from './types.js';

/** A repartition an agent's stream declared through `groupBy(…, { name })`. */
export interface RepartitionUse {
  readonly agent: string;
  readonly name: string;
}

function problemAt(location: SourceLocation, path: string, message: string, hint?: string): ManifestProblem {
  return { ...location, path, message, ...(hint === undefined ? {} : { hint }) };
}

/** Two repartitions of one agent with the same name would share the topic `<id>-<agent>-<name>-repartition`. */
export function duplicateRepartitionProblems(manifest: Manifest, uses: readonly RepartitionUse[]): ManifestProblem[] {
  const seen = new Set<string>();
  const problems: ManifestProblem[] = [];
  for (const use of uses) {
    const key = `${use.agent}\u0000${use.name}`;
    const agent = manifest.agents.get(use.agent);
    if (!seen.has(key) || agent === undefined) {
      seen.add(key);
      continue;
    }
    problems.push(problemAt(
      agent.handler.location,
      `agents.${use.agent}.handler`,
      `repartition name "${use.name}" is used twice in this agent (topic ${manifest.id}-${use.agent}-${use.name}-repartition)`,
      'give each groupBy in the agent its own name',
    ));
  }
  return problems;
}

/** Throws a ManifestError when handler-level checks found problems. */
export function assertNoHandlerProblems(problems: readonly ManifestProblem[]): void {
  if (problems.length > 0) throw new ManifestError(problems);
}

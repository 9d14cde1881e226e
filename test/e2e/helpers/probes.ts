// Probes a worker's /health and /ready over a span of time, as an orchestrator does: what each
// answered, and when. For tests that break something (a broker outage) and judge the probes.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Daemon } from './daemon.js';

/** One probe of one endpoint: the status (0 when nothing answered) and, for /ready, the body. */
export interface ProbeAnswer {
  readonly atMs: number;
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

export interface ProbeLog {
  readonly health: ProbeAnswer[];
  readonly ready: ProbeAnswer[];
}

async function probe(url: string): Promise<ProbeAnswer> {
  const atMs = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return { atMs, status: response.status, body };
  } catch {
    return { atMs, status: 0, body: undefined };
  }
}

/**
 * Probes `/health` and `/ready` of every daemon every `intervalMs` until `until()` returns true
 * (checked between rounds; it may await). The span is the scenario's (a broker kept down for a
 * while), not a wait for a condition, so it lives here beside the daemon helpers.
 */
export async function probeWhile(daemons: readonly Daemon[], until: () => boolean | Promise<boolean>, intervalMs = 250): Promise<ProbeLog[]> {
  const logs: ProbeLog[] = daemons.map(() => ({ health: [], ready: [] }));
  while (!(await until())) {
    await Promise.all(
      daemons.map(async (daemon, i) => {
        const [health, ready] = await Promise.all([probe(`${daemon.url}/health`), probe(`${daemon.url}/ready`)]);
        logs[i]!.health.push(health);
        logs[i]!.ready.push(ready);
      }),
    );
    await sleep(intervalMs);
  }
  return logs;
}

/** Resolves after `ms`: the length of a scripted outage, never a wait for a condition. */
export function holdFor(ms: number): Promise<void> {
  return sleep(ms);
}

// Renders a service tree as its boot list: start order top-down, stop order bottom-up, with the
// reason for each position. The worker's tree file logs it at startup.

import type { Service } from './service.js';
import { Supervisor } from './supervisor.js';

/**
 * The tree under `root`, one service per line, children indented under their parent, each with
 * the `why` it was added with, e.g.
 * ```
 * worker (start ↓ / stop ↑)
 *   producer             outlives the consumer so sink and changelog sends flush
 *   stream (one_for_all)
 *     consumer           one group member
 * ```
 */
export function formatBootList(root: Service): string {
  const rows: { readonly label: string; readonly why: string | undefined }[] = [];
  const walk = (service: Service, depth: number): void => {
    for (const { service: child, why } of service.children) {
      rows.push({ label: '  '.repeat(depth) + describe(child), why });
      walk(child, depth + 1);
    }
  };
  walk(root, 1);
  const width = Math.max(0, ...rows.map((row) => row.label.length)) + 2;
  const lines = rows.map(({ label, why }) => (why === undefined ? label : label.padEnd(width) + why));
  return [`${describe(root)} (start ↓ / stop ↑)`, ...lines].join('\n');
}

function describe(service: Service): string {
  return service instanceof Supervisor ? `${service.name} (${service.strategy})` : service.name;
}

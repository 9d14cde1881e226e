// Installs the deployment tools (deploy-tools.ts) ahead of the tests that use them: the test runner
// starts this in the background, so Helm's several-minute build overlaps the earlier suites instead
// of stalling the chart test. Exit 0 when all are in place; on failure the tests install (and report)
// again themselves.

import { installAll } from './deploy-tools.js';

try {
  await installAll();
} catch (error) {
  process.stderr.write(`# prefetch of the deployment tools failed; the tests that need them will try again: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

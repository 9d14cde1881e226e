// `npm run test:node24`: the test runner (run-tests.js, with the suites named on the command line)
// under Node 24 — the image's runtime — from the npm registry's `node` package, installed into
// .cache/tools on first use. The runner starts its tests and they start streamd with process.execPath,
// so everything below runs on Node 24. Signals are passed on; the exit code is the runner's.
import { spawn } from 'node:child_process';
import { node24 } from '../helpers/deploy-tools.js';
import { trackExit } from './child-exit.js';
import { repoPath } from './repo-root.js';
import { exitCodeOf, onTerminationSignals } from './signals.js';

const node = await node24();
process.stderr.write(`# running ${process.argv.slice(2).join(' ')} on ${node}\n`);
const child = spawn(node, [repoPath('dist', 'test', 'kafka', 'run-tests.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
onTerminationSignals((signal) => child.kill(signal));
const exit = await trackExit(child);
if (exit.spawnError !== undefined) throw exit.spawnError;
process.exitCode = exitCodeOf(exit);

// Makes sure a broker JVM does not outlive the Node process that started it, even when that process
// is SIGKILLed (no 'exit' handler runs then). Used by jvm-process.ts for every JVM it spawns.
//
// How: next to the JVM we spawn a tiny `sh` whose stdin is a pipe from this process, and which just
// blocks reading it. When this process dies for any reason, the kernel closes our end of the pipe,
// `read` sees EOF, and the guard SIGKILLs the JVM, waits (at most 5 s) until it is gone, and deletes
// the broker's data directory. The pipe is the liveness signal: no polling of the parent's pid, which
// reparenting and pid reuse make unreliable. On a normal stop, release() writes "release" and the
// guard exits without touching anything. It ignores SIGINT and SIGHUP: Ctrl-C and a closing terminal
// reach the whole process group, and the guard must outlive its parent.
import { spawn } from 'node:child_process';
import { exitsWithin, terminate, trackExit } from './child-exit.js';

const GUARD_SCRIPT = `
trap '' INT HUP
while read -r line; do
  [ "$line" = release ] && exit 0
done
kill -KILL "$1" 2>/dev/null
i=0
while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rm -rf "$2"
`;

/** A running guard for one JVM. */
export interface OrphanGuard {
  /** Tells the guard the JVM is handled and waits for it to exit; idempotent. */
  release(): Promise<void>;
}

/**
 * Starts a guard that SIGKILLs `pid` and removes `cleanupDir` once this process is gone.
 * Spawn the JVM before the guard so the JVM does not inherit anything of the guard's pipe.
 */
export function startOrphanGuard(pid: number, cleanupDir: string): OrphanGuard {
  const child = spawn('sh', ['-c', GUARD_SCRIPT, 'streamd-kafka-orphan-guard', String(pid), cleanupDir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = trackExit(child);
  // Writing after the guard died must not crash this process.
  child.stdin.on('error', () => undefined);
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        if (!child.stdin.destroyed) child.stdin.end('release\n');
        if (!(await exitsWithin(exited, 2000))) await terminate(child, exited, { graceMs: 1000 });
      })();
      return released;
    },
  };
}

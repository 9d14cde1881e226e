// Resolves the `java` launcher for the harness: $JAVA_HOME/bin/java when JAVA_HOME is set, else
// `java` from PATH. Used by broker.ts and java-partitioner.ts.
import { join } from 'node:path';

/** The java executable to spawn. */
export function javaExecutable(): string {
  const home = process.env['JAVA_HOME'];
  return home !== undefined && home !== '' ? join(home, 'bin', 'java') : 'java';
}

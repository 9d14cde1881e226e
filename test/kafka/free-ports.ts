// Finds free TCP ports on 127.0.0.1 by letting the kernel pick them. Used by broker.ts to choose
// the listener ports and by harness.test.ts to check a stopped broker released its port.
import { createServer, type Server } from 'node:net';

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Returns `count` distinct ports that were free a moment ago (all are held open together, so they
 * differ). Another process may still take one before the caller binds it; callers retry on that.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await listen(server, 0);
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('unexpected listen address');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** Whether a listener can bind `port` on 127.0.0.1 right now. */
export async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    await listen(server, port);
    return true;
  } catch {
    return false;
  } finally {
    await close(server);
  }
}

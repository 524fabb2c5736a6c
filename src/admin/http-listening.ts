// Binding and closing the admin layer's HTTP and HTTPS servers the same way: listen resolves once
// bound (or rejects with the bind error), close drops kept-alive connections so it returns promptly.

import type { Server } from 'node:net';

export function listenOn(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function closeServer(server: Server & { closeAllConnections(): void }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The address and port a server bound; throws when it is not listening. */
export function boundAddress(server: Server, what: string): { address: string; port: number } {
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error(`the ${what} is not listening`);
  return { address: bound.address, port: bound.port };
}

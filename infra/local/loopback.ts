import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });

/**
 * Serves on loopback only, IPv4 and (where the machine has it) IPv6 on the same port, so
 * `http://localhost:<port>` works whichever address a client resolves first.
 */
export const serveLoopback = async (
  listener: RequestListener,
  port: number,
): Promise<{ port: number; close: () => Promise<void> }> => {
  const v4 = createServer(listener);
  const bound = await listen(v4, port, '127.0.0.1');
  const servers = [v4];
  const v6 = createServer(listener);
  try {
    await listen(v6, bound, '::1');
    servers.push(v6);
  } catch {
    // No IPv6 loopback here: IPv4 alone serves localhost.
  }
  return { port: bound, close: async () => void (await Promise.all(servers.map(closeServer))) };
};

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/bundle.ts';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * The embedded store in a process of its own, so a benchmark charges yitong's process only
 * for yitong's work — as on AWS, where DynamoDB runs elsewhere — and a fault test can kill it
 * outright. With `path` its data is kept on disk; `port` pins the port (for a restart).
 */
export const startStoreProcess = async (
  options: { readonly path?: string; readonly port?: number } = {},
): Promise<{ endpoint: string; port: number; stop: () => Promise<void>; kill: () => Promise<void> }> => {
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'dynalite', 'cli.js'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--createTableMs',
      '0',
      '--deleteTableMs',
      '0',
      '--updateTableMs',
      '0',
      ...(options.path ? ['--path', options.path] : []),
    ],
    { stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(endpoint);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const end = (signal: NodeJS.Signals) => () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { endpoint, port, stop: end('SIGTERM'), kill: end('SIGKILL') };
};

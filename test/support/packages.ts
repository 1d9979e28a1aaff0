import { execFile } from 'node:child_process';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Each package and a file its build writes (tsc writes every output on each build). */
const PACKAGES = { access: 'index.js', 'licence-verifier': 'node.js' } as const;

const newest = async (dir: string): Promise<number> => {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return latest;
};

const stale = async ([name, entry]: readonly [string, string]): Promise<boolean> => {
  const root = join('packages', name);
  const built = await stat(join(root, 'dist', entry)).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newest(join(root, 'src')),
    (await stat(join(root, 'package.json'))).mtimeMs,
    (await stat(join(root, 'tsconfig.build.json'))).mtimeMs,
  );
  return built < sources;
};

/**
 * The packages' dist as `npm install` leaves it (the root `prepare` builds it), rebuilt only when
 * a source is newer: in CI nothing is rebuilt, so tests of several projects running at once never
 * see a dist half-written. A lock folder keeps two rebuilds from overlapping.
 */
export const ensurePackagesBuilt = async (): Promise<void> => {
  const lock = join('packages', '.build-lock');
  for (;;) {
    const checks = await Promise.all(Object.entries(PACKAGES).map(stale));
    if (!checks.some(Boolean)) return;
    try {
      await mkdir(lock);
    } catch {
      // Another test is building: wait for it, then look again (a lock left by a killed run expires).
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > 120_000) await rmdir(lock).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    try {
      await promisify(execFile)('npm', ['run', 'build:packages']);
      return;
    } finally {
      await rmdir(lock);
    }
  }
};

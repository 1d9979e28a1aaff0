import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as z from 'zod';

const hasCode = (err: unknown, code: string): boolean =>
  err instanceof Error && 'code' in err && err.code === code;

/**
 * Reads a secret JSON file, creating it (mode 0600) on first use. Creation uses 'wx' so two
 * processes starting at once agree on one value instead of overwriting each other's.
 */
export const readOrCreateSecretFile = async <T>(
  path: string,
  schema: z.ZodType<T>,
  create: () => T,
): Promise<T> => {
  const read = async () => schema.parse(JSON.parse(await readFile(path, 'utf8')));
  try {
    return await read();
  } catch (err: unknown) {
    if (!hasCode(err, 'ENOENT')) {
      throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const value = create();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, JSON.stringify(value, null, 2), { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err: unknown) {
    if (hasCode(err, 'EEXIST')) return read();
    throw err;
  }
};

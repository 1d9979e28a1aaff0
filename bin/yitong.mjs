#!/usr/bin/env node
// The `yitong` command: runs the TypeScript CLI through tsx, on the project's Node 24.
import { register } from 'tsx/esm/api';

register();
const { buildCli } = await import('../cli/main.ts');
try {
  await buildCli().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`yitong: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

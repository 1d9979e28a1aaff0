#!/usr/bin/env node
// The `yitong` command: runs the TypeScript CLI through tsx, on the project's Node 24.
import { register } from 'tsx/esm/api';

register();
const { buildCli } = await import('../cli/main.ts');
await buildCli().parseAsync(process.argv);

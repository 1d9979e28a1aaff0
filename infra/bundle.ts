import { copyFileSync, cpSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import {
  policyDigest,
  readPolicySources,
  VALIDATED_DIGEST_FILE,
  validatePolicySources,
} from '../libs/policy/index.ts';
import type { FunctionDefinition } from './routes.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The Cedar engine's wasm, copied next to the bundles of functions that decide. */
export const CEDAR_WASM = 'cedar_wasm_bg.wasm';

/**
 * ESM bundles need `require`, `__dirname` and `__filename` for the CommonJS dependencies
 * they inline (Koa's stack, the AWS SDK) and for files loaded next to the bundle.
 */
const ESM_BANNER = [
  "import { createRequire as __yitongCreateRequire } from 'node:module';",
  "import { fileURLToPath as __yitongFileURLToPath } from 'node:url';",
  "import { dirname as __yitongDirname } from 'node:path';",
  'const require = __yitongCreateRequire(import.meta.url);',
  'const __filename = __yitongFileURLToPath(import.meta.url);',
  'const __dirname = __yitongDirname(__filename);',
].join('\n');

export interface Bundle {
  /** Folder holding index.mjs (and its source map): the Lambda code asset. */
  readonly dir: string;
  readonly bytes: number;
}

/**
 * Bundles one function's entry with the local esbuild (no Docker): ESM for Node 24,
 * minified with `keepNames` because oidc-provider keys its models by class name.
 */
export const bundleEntry = (entry: string, outDir: string): Bundle => {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'index.mjs');
  const { metafile } = buildSync({
    metafile: true,
    absWorkingDir: REPO_ROOT,
    entryPoints: [resolve(REPO_ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    mainFields: ['module', 'main'],
    banner: { js: ESM_BANNER },
    logLevel: 'error',
  });
  // A function that decides (imports the Cedar engine) gets the wasm next to the bundle,
  // where the engine loads it from `__dirname`, and the policy files it parses at cold start.
  const cedar = Object.keys(metafile.inputs).find((input) =>
    input.includes('@cedar-policy/cedar-wasm/nodejs/'),
  );
  if (cedar) {
    copyFileSync(join(REPO_ROOT, dirname(cedar), CEDAR_WASM), join(outDir, CEDAR_WASM));
    const policies = join(outDir, 'policies');
    cpSync(join(REPO_ROOT, 'policies'), policies, {
      recursive: true,
      filter: (source) => !source.includes(`${join('policies', 'tests')}`),
    });
    // Validated here, once, so a policy the schema refuses fails the synth, and cold starts
    // skip the validator for exactly these files.
    const sources = readPolicySources(policies);
    validatePolicySources(createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs'), sources);
    writeFileSync(join(policies, VALIDATED_DIGEST_FILE), `${policyDigest(sources)}\n`);
  }
  return { dir: outDir, bytes: statSync(outfile).size };
};

const bundles = new Map<string, Bundle>();

/** Each function bundled once per process however many zones deploy it. */
export const bundleFunction = (
  fn: FunctionDefinition,
  outRoot = join(REPO_ROOT, 'dist', 'functions'),
): Bundle => {
  const key = `${outRoot}:${fn.name}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleEntry(fn.entry, join(outRoot, fn.name));
    bundles.set(key, bundle);
  }
  return bundle;
};

import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
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

/** The zod locales a build put in its output (only the English one, which zod installs, may be). */
const zodLocalesIn = (metafile: Metafile): string[] =>
  Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(
        ([input, { bytesInOutput }]) =>
          bytesInOutput > 0 && /zod[\\/]v4[\\/]locales[\\/](?!en\.js)/.test(input),
      )
      .map(([input]) => input),
  );

export interface Bundle {
  /** Folder holding index.mjs, its chunks (and their source maps): the Lambda code asset. */
  readonly dir: string;
  /** Every file of code in the bundle: the entry and all its chunks (no source maps). */
  readonly bytes: number;
  /** The entry and the chunks it imports statically: what a cold start loads and compiles. */
  readonly initialBytes: number;
  /** Each output file of code (relative to `dir`) and its size. */
  readonly files: Readonly<Record<string, number>>;
  /** The files a cold start loads (relative to `dir`): the entry first. */
  readonly initialFiles: readonly string[];
}

/** The entry file every function's handler lives in (`index.handler`). */
export const ENTRY_FILE = 'index.mjs';

/**
 * Sizes of a build's code files, and of those a cold start loads: the entry and, transitively,
 * the chunks it imports statically. Chunks reached only by `import()` load on first use.
 */
const sizesOf = (metafile: Metafile, outDir: string) => {
  const outputs = Object.fromEntries(
    Object.entries(metafile.outputs)
      .filter(([file]) => file.endsWith('.mjs'))
      .map(([file, output]) => [resolve(REPO_ROOT, file), output]),
  );
  const files = Object.fromEntries(
    Object.entries(outputs).map(([file, output]) => [relative(outDir, file), output.bytes]),
  );
  const initial = new Set<string>();
  const visit = (file: string) => {
    if (initial.has(file) || !outputs[file]) return;
    initial.add(file);
    for (const imported of outputs[file].imports) {
      if (imported.kind === 'import-statement' && !imported.external)
        visit(resolve(REPO_ROOT, imported.path));
    }
  };
  visit(join(outDir, ENTRY_FILE));
  const sum = (names: Iterable<string>) =>
    [...names].reduce((total, name) => total + outputs[name]!.bytes, 0);
  return {
    files,
    initialFiles: [...initial].map((file) => relative(outDir, file)),
    bytes: sum(Object.keys(outputs)),
    initialBytes: sum(initial),
  };
};

/**
 * Bundles one function's entry with the local esbuild (no Docker; see `buildFunction`), into
 * a fresh `outDir`: chunk names carry hashes, and an old chunk must not ship with the asset.
 */
export const bundleEntry = (entry: string, outDir: string): Bundle => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const metafile = JSON.parse(
    execFileSync(process.execPath, [join(REPO_ROOT, 'infra', 'esbuild-build.ts'), entry, outDir, REPO_ROOT], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  ) as Metafile;
  const locales = zodLocalesIn(metafile);
  if (locales.length > 0) {
    throw new Error(
      `${entry}: the bundle carries ${locales.length} zod locales; import zod as \`import * as z from 'zod'\` (infra/bundle.ts)`,
    );
  }
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
  return { dir: outDir, ...sizesOf(metafile, outDir) };
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

/**
 * The esbuild build of one function, with the plugin it needs. esbuild runs plugins only in
 * its asynchronous API, and the stack is built synchronously (CDK constructs), so
 * `bundleEntry` runs this file in a child Node process (`node infra/esbuild-build.ts <entry>
 * <outDir> <repoRoot>`: plain Node, types stripped) and reads the metafile it prints.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

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

/**
 * zod keeps every locale (about 260 KiB minified) in a bundle that holds any `import { z }` or
 * `import z from 'zod'`: that binding is zod's namespace object, whose `locales` property
 * references them all, and esbuild cannot shake a namespace used as a value. `import * as z`
 * lets it keep only the properties used. Our code imports zod that way (a single named import
 * left anywhere in a bundle would undo it); dependencies that do not are rewritten as they are
 * bundled. Their `z` is only ever read for its properties, which the namespace has alike.
 */
const ZOD_NAMED_IMPORT = /import\s+(?:\{\s*z\s*\}|(\w+))\s+from\s+(["'])zod\2;?/g;
/** Dependencies known to import zod by name (`bundleEntry` refuses any other that does). */
const ZOD_NAMED_IMPORTERS = /[\\/]node_modules[\\/]@sd-jwt[\\/]sd-jwt-vc[\\/]dist[\\/]index\.m?js$/;

const zodNamespaceImports: Plugin = {
  name: 'zod-namespace-imports',
  setup(b) {
    b.onLoad({ filter: ZOD_NAMED_IMPORTERS }, ({ path }) => ({
      contents: readFileSync(path, 'utf8').replace(
        ZOD_NAMED_IMPORT,
        (_match, name: string | undefined) => `import * as ${name ?? 'z'} from "zod";`,
      ),
      loader: 'js',
    }));
  },
};

/** A media type as mime-db describes it; mime-types reads only these three fields. */
interface MediaType {
  readonly source?: string;
  readonly charset?: string;
  readonly extensions?: readonly string[];
  readonly compressible?: boolean;
}

/**
 * The part of mime-db that mime-types can answer from: every type with file extensions
 * (\`lookup\`, \`extension\`, \`contentType\`; \`source\` breaks ties between types sharing one)
 * or a charset (\`charset\`), with just those fields. mime-types is the table's only reader in
 * our bundles, and answers every question as with the whole table (test/infra/bundle.test.ts).
 */
export const slimMimeDb = (db: Readonly<Record<string, MediaType>>): Record<string, MediaType> =>
  Object.fromEntries(
    Object.entries(db)
      .filter(([, type]) => type.extensions || type.charset)
      .map(([name, { source, charset, extensions }]) => [
        name,
        {
          ...(source ? { source } : {}),
          ...(charset ? { charset } : {}),
          ...(extensions ? { extensions } : {}),
        },
      ]),
  );

/**
 * Koa's stack carries two copies of mime-db (the media type table, about 140 KiB minified
 * each): the one at the top of node_modules and an older one under \`accepts\`, which uses it
 * only to look types up. Every import of it resolves to the newer copy (a superset, in the
 * same format), slimmed to what mime-types reads (half of it), and bundled as one
 * \`JSON.parse\` of a string, which V8 reads faster than the same object as JavaScript.
 */
const oneMimeDb = (repoRoot: string): Plugin => ({
  name: 'one-mime-db',
  setup(b) {
    const db = join(repoRoot, 'node_modules', 'mime-db', 'db.json');
    b.onResolve({ filter: /^mime-db$/ }, () => ({ path: join(dirname(db), 'index.js') }));
    b.onLoad({ filter: /[\\/]node_modules[\\/]mime-db[\\/]db\.json$/ }, ({ path }) => ({
      contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(slimMimeDb(JSON.parse(readFileSync(path, 'utf8')))))});`,
      loader: 'js',
    }));
  },
});

/**
 * Bundles one entry as `index.mjs` in `outDir`: ESM for Node 24, minified with `keepNames`
 * because oidc-provider keys its models by class name. Code splitting puts what a function
 * loads with `import()` (passkeys, QR codes, mail, queues) in chunks beside `index.mjs`, so a
 * cold start neither reads nor compiles it.
 */
export const buildFunction = async (entry: string, outDir: string, repoRoot: string): Promise<Metafile> => {
  const { metafile } = await build({
    metafile: true,
    absWorkingDir: repoRoot,
    entryPoints: { index: resolve(repoRoot, entry) },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    // Chunks beside the entry, so `__dirname` is the same folder in each (the Cedar wasm).
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    // Chinese text (the word catalogue, audit descriptions) as UTF-8, 3 bytes a character, not
    // escaped as \uXXXX (6 bytes): Node reads every module as UTF-8.
    charset: 'utf8',
    mainFields: ['module', 'main'],
    // Every chunk is a module of its own and gets the banner.
    banner: { js: ESM_BANNER },
    plugins: [zodNamespaceImports, oneMimeDb(repoRoot)],
    logLevel: 'error',
  });
  return metafile;
};

if (import.meta.main) {
  const [entry, outDir, repoRoot] = process.argv.slice(2);
  if (!entry || !outDir || !repoRoot)
    throw new Error('usage: node infra/esbuild-build.ts <entry> <outDir> <repoRoot>');
  process.stdout.write(JSON.stringify(await buildFunction(entry, outDir, repoRoot)));
}

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEvent } from 'aws-lambda';

const run = promisify(execFile);

/** Runs in a fresh Node process: import the bundle, invoke it once, report both times. */
const PROBE = `
const t0 = performance.now();
const mod = await import(process.argv[2]);
const t1 = performance.now();
const context = { awsRequestId: 'cold', functionName: 'probe', getRemainingTimeInMillis: () => 10000 };
let result;
try {
  result = await mod.handler(JSON.parse(process.argv[3]), context);
} catch (err) {
  // An authorizer answers 401 by throwing 'Unauthorized'; report it as the outcome.
  result = { error: String(err && err.message ? err.message : err) };
}
const t2 = performance.now();
process.stdout.write('\\n__COLD_START__' + JSON.stringify({ importMs: t1 - t0, invokeMs: t2 - t1, result }));
process.exit(0);
`;

export interface ColdStart {
  readonly importMs: number;
  readonly invokeMs: number;
  readonly totalMs: number;
  readonly result: { statusCode: number; headers?: Record<string, string>; body: string; error?: string };
}

/** Measures one cold start of a bundle: a new process, as a new Lambda container would be. */
export const coldStart = async (
  bundleFile: string,
  event: APIGatewayProxyEvent,
  env: Readonly<Record<string, string>>,
): Promise<ColdStart> => {
  const dir = await mkdtemp(join(tmpdir(), 'yitong-probe-'));
  try {
    const probe = join(dir, 'probe.mjs');
    await writeFile(probe, PROBE);
    const { stdout } = await run(process.execPath, [probe, bundleFile, JSON.stringify(event)], {
      env: { PATH: process.env.PATH ?? '', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    // The function may log to stdout too (EMF metrics): the probe's line is marked.
    const parsed = JSON.parse(
      stdout.slice(stdout.lastIndexOf('__COLD_START__') + '__COLD_START__'.length),
    ) as Omit<ColdStart, 'totalMs'>;
    return { ...parsed, totalMs: parsed.importMs + parsed.invokeMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One row of the cold-start comparison: a bundle and its fresh-process starts. */
export interface ColdStartRow {
  readonly label: string;
  /** Every file of code in the bundle (entry and chunks; no source maps). */
  readonly bytes: number;
  /** The entry and the chunks it imports statically: what a cold start loads. */
  readonly initialBytes: number;
  readonly importMs: readonly number[];
  readonly totalMs: readonly number[];
  readonly medianImportMs: number;
  readonly medianTotalMs: number;
}

/**
 * The bundles a cold start of the oidc function is compared with (issue #19): the fair
 * baseline (bare oidc-provider behind serverless-http with ES256 keys, the AWS SDK DynamoDB
 * client and one read at init) and, as an extra row, oidc-provider as it comes (memory
 * adapter, development keys, no AWS SDK).
 */
export const COLD_START_SUBJECTS = [
  { label: 'yitong oidc', entry: 'functions/oidc/handler.ts', dir: 'oidc' },
  {
    label: 'bare oidc-provider, fair (ES256, DynamoDB client, one read)',
    entry: 'bench/fixtures/bare-oidc-fair.ts',
    dir: 'bare-oidc-fair',
  },
  {
    label: 'bare oidc-provider as it comes (memory, dev keys; extra row)',
    entry: 'bench/fixtures/bare-oidc-provider.ts',
    dir: 'bare-oidc-provider',
  },
] as const;

/**
 * Bundles the subjects as the stack does and starts each `runs` times in fresh processes,
 * alternating them so drift in machine load falls on all alike. `event` is served by every
 * subject (discovery); each start must answer 200.
 */
export const compareColdStarts = async (options: {
  readonly outDir: string;
  readonly runs: number;
  readonly event: APIGatewayProxyEvent;
  readonly env: Readonly<Record<string, string>>;
  readonly bundle: (entry: string, outDir: string) => { dir: string; bytes: number; initialBytes?: number };
}): Promise<ColdStartRow[]> => {
  const built = COLD_START_SUBJECTS.map((subject) => ({
    subject,
    bundle: options.bundle(subject.entry, join(options.outDir, subject.dir)),
    importMs: [] as number[],
    totalMs: [] as number[],
  }));
  // One start of each first, not counted: the oidc function's first start ever makes its
  // secrets, which no later cold start does.
  for (let i = -1; i < options.runs; i++) {
    for (const b of built) {
      const run = await coldStart(join(b.bundle.dir, 'index.mjs'), options.event, options.env);
      if (run.result.statusCode !== 200) {
        throw new Error(
          `${b.subject.label}: cold start answered ${run.result.statusCode} ${run.result.body ?? run.result.error}`,
        );
      }
      if (i < 0) continue;
      b.importMs.push(run.importMs);
      b.totalMs.push(run.totalMs);
    }
  }
  return built.map((b) => ({
    label: b.subject.label,
    bytes: b.bundle.bytes,
    initialBytes: b.bundle.initialBytes ?? b.bundle.bytes,
    importMs: b.importMs,
    totalMs: b.totalMs,
    medianImportMs: median(b.importMs),
    medianTotalMs: median(b.totalMs),
  }));
};

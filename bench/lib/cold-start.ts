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

/**
 * `npx tsx bench/cold-start.ts [--runs N]`: only the cold-start part of the benchmark. Bundles
 * every function as the stack does and prints its size (all code, and what a cold start
 * loads), then starts the oidc function and its baselines alternately in fresh processes
 * (import and first discovery) against the embedded store in its own process (issue #19).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleEntry } from '../infra/bundle.ts';
import { FUNCTIONS } from '../infra/routes.ts';
import { createDynamoClient, ensureTables } from '../libs/store/index.ts';
import { startFakeAws } from '../testkit/fake-aws.ts';
import { compareColdStarts } from './lib/cold-start.ts';
import { restEvent } from './lib/events.ts';
import { startStoreProcess } from './lib/store-process.ts';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 9;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

const out = mkdtempSync(join(tmpdir(), 'yitong-cold-start-'));
console.log('| function | bundle (all code) | loaded at cold start |\n|---|---|---|');
for (const fn of FUNCTIONS) {
  const built = bundleEntry(fn.entry, join(out, 'functions', fn.name));
  console.log(`| ${fn.name} | ${kib(built.bytes)} | ${kib(built.initialBytes)} |`);
}

const store = await startStoreProcess();
const aws = await startFakeAws({ keyIds: ['id-token'] });
const host = 'bench.execute-api.eu-west-1.amazonaws.com';
const tables = { identity: 'cold-identity', licences: 'cold-licences', audit: 'cold-audit' };
try {
  await ensureTables(createDynamoClient({ endpoint: store.endpoint }), tables);
  const rows = await compareColdStarts({
    outDir: out,
    runs,
    event: restEvent({ path: '/.well-known/openid-configuration', host }),
    bundle: bundleEntry,
    env: {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_KMS: aws.endpoint,
      ZONE: 'public',
      ISSUER: `https://${host}/prod`,
      TABLE_IDENTITY: tables.identity,
      TABLE_LICENCES: tables.licences,
      TABLE_AUDIT: tables.audit,
      KMS_KEY_ID_TOKEN: 'id-token',
      KMS_KEY_SECRETS: 'secrets',
      KMS_KEY_TOTP: 'totp',
      // What the stack lets the oidc function decrypt.
      SECRETS: 'cookie-keys,pairwise-salt,totp-data-key,reset-code-key,account-client-secret',
      DYNAMODB_ENDPOINT: store.endpoint,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
  });
  const [, fair, bare] = rows;
  console.log(
    `\n${runs} alternated runs each, after one uncounted start of each (the first ever makes the secrets)\n` +
      '| bundle | all code | loaded | import (median) | import + discovery (min / median / max) | × fair | × bare |\n|---|---|---|---|---|---|---|',
  );
  for (const row of rows) {
    console.log(
      `| ${row.label} | ${kib(row.bytes)} | ${kib(row.initialBytes)} | ${row.medianImportMs.toFixed(0)} ms | ` +
        `${Math.min(...row.totalMs).toFixed(0)} / ${row.medianTotalMs.toFixed(0)} / ${Math.max(...row.totalMs).toFixed(0)} ms | ` +
        `${(row.medianTotalMs / fair!.medianTotalMs).toFixed(2)} | ${(row.medianTotalMs / bare!.medianTotalMs).toFixed(2)} |`,
    );
  }
} finally {
  await aws.close();
  await store.stop();
}

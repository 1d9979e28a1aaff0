/**
 * `npm run bench`: measures yitong side by side with its baselines in one run and writes
 * BENCHMARKS.md. Figures are ratios against a baseline measured in the same run, because
 * these machines are shared and noisy. `--runs N` (or `BENCH_RUNS`) sets repetitions (at least
 * 5 where min/median/max are reported; default 5); `BENCH_TOKEN_REQUESTS` the requests per grant
 * in each token endpoint run (default 30); `--no-write` prints without touching BENCHMARKS.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { bundleEntry } from '../infra/bundle.ts';
import { startEmbeddedStore } from '../infra/local/embedded-store.ts';
import { hashPassword } from '../libs/accounts/index.ts';
import { createDynamoClient, ensureTables } from '../libs/store/index.ts';
import { startFakeAws } from '../testkit/fake-aws.ts';
import { benchAudit } from './audit.ts';
import { type ColdStartRow, coldStart, compareColdStarts } from './lib/cold-start.ts';
import { describeCost } from './lib/dynamo-counter.ts';
import { restEvent } from './lib/events.ts';
import { benchLicences } from './licences.ts';
import { benchPolicy, policyLoadCost } from './policy.ts';
import { benchTokens, type CostedOperation, type TimedGrant } from './token.ts';

const args = process.argv.slice(2);
const runs =
  Number(args[args.indexOf('--runs') + 1]) ||
  Number(process.env.BENCH_RUNS) ||
  (args.includes('--runs') ? 1 : 5);
/** Runs of the measures reported as min/median/max. */
const spreadRuns = Math.max(5, runs);
const tokenRequests = Number(process.env.BENCH_TOKEN_REQUESTS) || 30;
const write = !args.includes('--no-write');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
/** `median (min–max)` of per-run figures. */
const spread = (values: number[], format: (n: number) => string) =>
  `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

const main = async () => {
  const out = join(process.cwd(), 'dist', 'bench');

  const store = await startEmbeddedStore();
  const tables = { identity: 'bench-identity', licences: 'bench-licences', audit: 'bench-audit' };
  await ensureTables(createDynamoClient({ endpoint: store.endpoint }), tables);
  const aws = await startFakeAws({ keyIds: ['id-token', 'licence', 'status-list'] });
  const host = 'bench.execute-api.eu-west-1.amazonaws.com';
  const env = {
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
    KMS_KEY_LICENCE: 'licence',
    KMS_KEY_STATUS_LIST: 'status-list',
    DYNAMODB_ENDPOINT: store.endpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const event = restEvent({ path: '/.well-known/openid-configuration', host });

  let cold!: { ours: ColdStartRow; fair: ColdStartRow; bare: ColdStartRow };
  // Every other function: bundle size and a fresh-process cold start on a request it serves.
  const others = [
    {
      name: 'audit',
      zone: 'intranet',
      event: restEvent({ path: '/audit/verify', resource: '/audit/verify', host }),
    },
    {
      name: 'admin',
      zone: 'intranet',
      event: restEvent({ path: '/admin/clients/x', resource: '/admin/clients/{clientId}', host }),
    },
    {
      name: 'licences',
      zone: 'public',
      event: restEvent({ path: '/.well-known/jwt-vc-issuer', resource: '/.well-known/jwt-vc-issuer', host }),
    },
    { name: 'account', zone: 'public', event: restEvent({ path: '/account', resource: '/account', host }) },
    {
      name: 'authorizer',
      zone: 'public',
      event: {
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:eu-west-1:111122223333:api/prod/GET/filings',
        resource: '/filings',
        path: '/filings',
        httpMethod: 'GET',
        headers: {},
        requestContext: { domainName: host, path: '/prod/filings' },
      },
    },
  ] as const;
  const otherSamples = new Map<string, { bytes: number; total: number[] }>();
  try {
    for (const other of others) {
      const bundle = bundleEntry(`functions/${other.name}/handler.ts`, join(out, other.name));
      const totals: number[] = [];
      for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
        const run = await coldStart(join(bundle.dir, 'index.mjs'), other.event as never, {
          ...env,
          ZONE: other.zone,
          AUDIENCE: 'https://api.tax.gov.example',
        });
        totals.push(run.totalMs);
      }
      otherSamples.set(other.name, { bytes: bundle.bytes, total: totals });
    }
    // The oidc function, the fair bare function and bare oidc-provider as it comes, alternated.
    const [ours, fair, bare] = await compareColdStarts({
      outDir: out,
      runs: spreadRuns,
      event,
      env,
      bundle: bundleEntry,
    });
    cold = { ours: ours!, fair: fair!, bare: bare! };
  } finally {
    await aws.close();
    await store.close();
  }

  // Token endpoint: yitong through its gateway, bare oidc-provider on the same adapter and
  // store, and bare oidc-provider in memory, alternating run by run.
  const tokens = await benchTokens(spreadRuns, tokenRequests);
  const perSecond = (n: number) => `${n.toFixed(0)}/s`;
  const grantNames: Record<TimedGrant, string> = {
    codeExchange: 'authorization_code',
    refresh: 'refresh_token (rotating)',
    clientCredentials: 'client_credentials',
  };
  const tokenRows = (['codeExchange', 'refresh', 'clientCredentials'] as const).flatMap((grant) => {
    const ours = tokens.yitong[grant];
    const bare = tokens.bare[grant];
    const memory = tokens.memory[grant];
    const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}x`;
    return [
      [
        `token endpoint: ${grantNames[grant]}, one request in flight, per second (bare: same DynamoDB adapter and store)`,
        spread(ours.wall, perSecond),
        spread(bare.wall, perSecond),
        `${ratio(ours.wall, bare.wall)} (>= 0.5x)`,
      ],
      [
        `token endpoint: ${grantNames[grant]} per CPU-second of the process (bare: same adapter and store)`,
        spread(ours.cpu, perSecond),
        spread(bare.cpu, perSecond),
        ratio(ours.cpu, bare.cpu),
      ],
      [
        `token endpoint: ${grantNames[grant]}, one request in flight, per second (extra row: bare oidc-provider, in memory)`,
        spread(ours.wall, perSecond),
        spread(memory.wall, perSecond),
        ratio(ours.wall, memory.wall),
      ],
    ];
  });
  const costNames: Record<CostedOperation, [string, string]> = {
    passwordLogin: ['password login (GET /auth to code; bare: development interactions)', '(<= 30 calls)'],
    ssoLogin: ['single sign-on login (GET /auth to code, session open)', ''],
    codeExchange: ['code exchange', '(<= 6 calls)'],
    refresh: ['refresh', '(<= 5 calls)'],
    clientCredentials: ['client credentials grant (JWT access token)', ''],
    licenceIssue: ['licence issued (POST /licences)', '(<= 10 calls)'],
    onlineVerify: ['online verification (POST /licences/verify)', '(<= 3 calls)'],
  };
  const costRows = (Object.keys(costNames) as CostedOperation[]).flatMap((op) => {
    const bare = tokens.costs.bare[op];
    return [
      [
        `DynamoDB per ${costNames[op][0]}: calls (by operation); read and write units`,
        describeCost(tokens.costs.yitong[op]),
        bare ? describeCost(bare) : '',
        costNames[op][1],
      ],
      [`KMS Sign calls per ${costNames[op][0]} (by key)`, tokens.costs.yitong[op].kmsSigns ?? '', '', ''],
    ];
  });

  // argon2id at the stored parameters: the cost of one password check.
  const hashSamples: number[] = [];
  for (let i = 0; i < Math.max(3, runs); i++) {
    const start = performance.now();
    await hashPassword('benchmark password');
    hashSamples.push(performance.now() - start);
  }

  // Policy decisions: libs/policy vs raw Cedar on the same request; load cost in fresh processes.
  const policy = await benchPolicy(Math.max(2000, runs * 2000));
  const loads = { bundled: [] as number[], validate: [] as number[], wasm: [] as number[] };
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
    const bundled = policyLoadCost('bundled');
    loads.bundled.push(bundled.policiesMs);
    loads.wasm.push(bundled.wasmMs);
    loads.validate.push(policyLoadCost('validate').policiesMs);
  }

  const licences = await benchLicences(Math.max(500, runs * 200), Math.max(20, runs * 10), spreadRuns);

  const audit = await benchAudit(
    Number(process.env.AUDIT_BENCH_APPENDS ?? 2000),
    Number(process.env.AUDIT_BENCH_EVENTS ?? 100_000),
    spreadRuns,
  );

  const { ours, fair, bare } = cold;
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const rows = [
    ['measure', 'yitong', 'baseline', 'ratio (goal)'],
    [
      'oidc bundle: loaded at cold start / all code with the chunks loaded on first use (baseline: the fair bare function)',
      `${kb(ours.initialBytes)} / ${kb(ours.bytes)}`,
      kb(fair.bytes),
      `${x(ours.initialBytes, fair.bytes)} (oidc under 1.2 MB)`,
    ],
    [
      'oidc cold start: import + first invocation (discovery), against the fair bare function (bare oidc-provider behind serverless-http, ES256 keys, the DynamoDB client, one read at init)',
      spread([...ours.totalMs], ms),
      spread([...fair.totalMs], ms),
      `${x(ours.medianTotalMs, fair.medianTotalMs)} (<= 1.25x)`,
    ],
    [
      'oidc cold start: import + first invocation, against bare oidc-provider as it comes (extra row: memory adapter, development keys)',
      spread([...ours.totalMs], ms),
      spread([...bare.totalMs], ms),
      `${x(ours.medianTotalMs, bare.medianTotalMs)} (<= 2x)`,
    ],
    [
      'oidc cold start: import only (fair baseline)',
      ms(ours.medianImportMs),
      ms(fair.medianImportMs),
      x(ours.medianImportMs, fair.medianImportMs),
    ],
    ...tokenRows,
    ...costRows,
    ...[...otherSamples].map(([name, sample]) => [
      `${name} bundle size / cold start (import + first invocation)`,
      `${kb(sample.bytes)} / ${ms(median(sample.total))}`,
      `${kb(fair.bytes)} / ${ms(fair.medianTotalMs)}`,
      `${x(sample.bytes, fair.bytes)} / ${x(median(sample.total), fair.medianTotalMs)}`,
    ]),
    ['argon2id per hash (19 MiB, 2 passes, p=1)', ms(median(hashSamples)), '', ''],
    [
      'policy decisions per second, one core, uncached, warm-up excluded (libs/policy vs raw Cedar statefulIsAuthorized)',
      perSecond(policy.uncached.perSecond),
      perSecond(policy.raw.perSecond),
      `${(policy.uncached.perSecond / policy.raw.perSecond).toFixed(2)}x`,
    ],
    [
      'policy decision p50 / p99, uncached, warm-up excluded',
      `${policy.uncached.p50Us.toFixed(0)} µs / ${policy.uncached.p99Us.toFixed(0)} µs`,
      `${policy.raw.p50Us.toFixed(0)} µs / ${policy.raw.p99Us.toFixed(0)} µs`,
      `${(policy.uncached.p99Us / policy.raw.p99Us).toFixed(2)}x (p99)`,
    ],
    // The per-container decision memo's row: filled in by benchPolicy once libs/policy memoises.
    [
      'policy decision p50 / p99, memoised (the same decision repeated in one container)',
      policy.memoised
        ? `${policy.memoised.p50Us.toFixed(0)} µs / ${policy.memoised.p99Us.toFixed(0)} µs`
        : 'not measured (no decision memo yet)',
      '',
      '(p99 < 200 µs)',
    ],
    ['policy cold start: Cedar wasm import', ms(median(loads.wasm)), '', ''],
    [
      'policy cold start: first parse of schema + policy set (bundled: validated at synth)',
      ms(median(loads.bundled)),
      '',
      '',
    ],
    ['policy cold start: the same, validating in strict mode at load', ms(median(loads.validate)), '', ''],
    [
      `licence verifications per second, one core, status list cached (yitong verifier vs raw jose ES256 of the same ${licences.licences} issuer JWTs)`,
      spread(licences.verifyPerSecond, perSecond),
      spread(licences.rawJosePerSecond, perSecond),
      `${(median(licences.verifyPerSecond) / median(licences.rawJosePerSecond)).toFixed(2)}x (>= 0.9x)`,
    ],
    [
      'licence issuance per second, one in flight, embedded store in its own process',
      perSecond(licences.issuePerSecond),
      '',
      '',
    ],
    ['licence size (driving permit, 6 disclosures)', `${licences.licenceBytes} B`, '', ''],
    [
      'status list token, 131,072 entries: as issued / with 1% revoked',
      `${licences.statusListBytes} B / ${licences.statusListOnePercentBytes} B`,
      '',
      '',
    ],
    [
      `audit appends per second, 32 writers in flight (one put each to a write-sharded partition, vs a plain PutItem of the same item, same indexes; store in its own process; ${audit.errors32} errors in ${audit.runs} runs)`,
      spread([audit.append32.min, audit.append32.median, audit.append32.max], perSecond),
      spread([audit.plain32.min, audit.plain32.median, audit.plain32.max], perSecond),
      `${(audit.append32.median / audit.plain32.median).toFixed(2)}x (>= 0.8x)`,
    ],
    [
      'audit appends per second, one in flight (same comparison)',
      spread([audit.append1.min, audit.append1.median, audit.append1.max], perSecond),
      spread([audit.plain1.min, audit.plain1.median, audit.plain1.max], perSecond),
      `${(audit.append1.median / audit.plain1.median).toFixed(2)}x`,
    ],
    [
      'audit appends per second, 32 writers, detection rules on (what every function runs; 1 in 7 events is a failed sign-in)',
      spread([audit.detecting32.min, audit.detecting32.median, audit.detecting32.max], perSecond),
      '',
      '',
    ],
    ['DynamoDB calls per audit append (writer alone)', audit.callsPerAppend, '1', ''],
    [
      'write units per audit append, as DynamoDB bills them (table + indexes)',
      `${audit.writeUnitsPerAppend.table.toFixed(2)} + ${audit.writeUnitsPerAppend.indexes.toFixed(2)}`,
      '',
      '',
    ],
    [
      `audit sealer: ${audit.sealer.events.toLocaleString('en')} events into ${audit.sealer.seals} seals (events per second; seal write units per event)`,
      `${perSecond(audit.sealer.perSecond)}; ${audit.sealer.writeUnitsPerEvent.toFixed(3)} WCU`,
      '',
      '',
    ],
    [
      `audit verification: every chain and the ${audit.verify.events.toLocaleString('en')} events they seal`,
      `${audit.verify.seconds.toFixed(1)} s`,
      '',
      '',
    ],
    [
      `audit query: one actor among ${audit.events.toLocaleString('en')} events (items read / returned, latency)`,
      `${audit.query.read} / ${audit.query.returned}, ${audit.query.ms.toFixed(1)} ms`,
      '',
      `${(audit.query.read / audit.query.returned).toFixed(2)} read per returned (<= 2)`,
    ],
    ['DynamoDB calls per audit query page', audit.query.calls, '', ''],
    [
      'audit query: type + zone (zone as a filter on the type index)',
      `${audit.filtered.read} / ${audit.filtered.returned}, ${audit.filtered.ms.toFixed(1)} ms`,
      '',
      `${(audit.filtered.read / audit.filtered.returned).toFixed(2)} read per returned`,
    ],
    [
      'audit query: time only (the month index, 8 write shards merged)',
      `${audit.byMonth.read} / ${audit.byMonth.returned}, ${audit.byMonth.ms.toFixed(1)} ms`,
      '',
      `${(audit.byMonth.read / audit.byMonth.returned).toFixed(2)} read per returned (<= 2)`,
    ],
    [
      'audit query: one type (the type index, 8 write shards merged)',
      `${audit.byType.read} / ${audit.byType.returned}, ${audit.byType.ms.toFixed(1)} ms`,
      '',
      `${(audit.byType.read / audit.byType.returned).toFixed(2)} read per returned (<= 2)`,
    ],
    [
      `audit export: ${audit.exported.toLocaleString('en')} events as CSV through the type index`,
      perSecond(audit.exportPerSecond),
      '',
      '',
    ],
    [
      `bulk load of ${audit.events.toLocaleString('en')} events, batch-written and sealed (for the query rows)`,
      `${audit.loadSeconds.toFixed(1)} s`,
      '',
      '',
    ],
  ];
  // Where each operation's calls go: by kind of item (partition key prefix, or the index queried).
  const callsByItem = (Object.keys(costNames) as CostedOperation[])
    .flatMap((op) => [
      `- ${costNames[op][0]}: yitong ${tokens.costs.yitong[op].items || 'none'}`,
      ...(tokens.costs.bare[op] ? [`  — bare: ${tokens.costs.bare[op]!.items || 'none'}`] : []),
    ])
    .join('\n');
  const table = [
    `| ${rows[0]!.join(' | ')} |`,
    `|${rows[0]!.map(() => '---').join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  process.stdout.write(`${table}\n`);

  // Cost per million operations on AWS, from the units and signatures measured above and the
  // public on-demand prices (us-east-1, read 2026-11; docs/operations.md cites them). What is
  // not measured here is an assumption, stated in the output.
  const PRICE = {
    rru: 0.125 / 1e6,
    wru: 0.625 / 1e6,
    lambdaRequest: 0.2 / 1e6,
    lambdaGbSecond: 0.0000133334, // Arm, as the stack deploys
    restRequest: 3.5 / 1e6,
    kmsSign: 0.15 / 1e4, // ECC Sign (asymmetric requests)
    cognitoMau: { lite: 0.0055, essentials: 0.015, plus: 0.02 },
  };
  const yitongCosts = tokens.costs.yitong;
  const sealWruPerEvent = audit.sealer.writeUnitsPerEvent;
  const journeys = [
    {
      name: 'a million password sign-ins (each: the sign-in pages, then the code exchange)',
      ops: [yitongCosts.passwordLogin, yitongCosts.codeExchange],
      requests: 9,
      events: 3,
    },
    {
      name: 'a million single sign-on sign-ins (session open: the redirect, then the code exchange)',
      ops: [yitongCosts.ssoLogin, yitongCosts.codeExchange],
      requests: 3,
      events: 1,
    },
    {
      name: 'a million online licence verifications',
      ops: [yitongCosts.onlineVerify],
      requests: 1,
      events: 1,
    },
  ];
  const LAMBDA_SECONDS_PER_REQUEST = 0.04; // 1 GB functions; an assumption, see the notes
  const dollars = (n: number) => `$${n.toFixed(2)}`;
  const costLines = journeys.map((j) => {
    const rru = j.ops.reduce((n, c) => n + c.readUnits, 0);
    const wru = j.ops.reduce((n, c) => n + c.writeUnits, 0) + j.events * sealWruPerEvent;
    const signs = j.ops.reduce((n, c) => n + (c.kmsSignCount ?? 0), 0);
    const dynamo = 1e6 * (rru * PRICE.rru + wru * PRICE.wru);
    const lambda =
      1e6 * j.requests * (PRICE.lambdaRequest + LAMBDA_SECONDS_PER_REQUEST * PRICE.lambdaGbSecond);
    const api = 1e6 * j.requests * PRICE.restRequest;
    const kms = 1e6 * signs * PRICE.kmsSign;
    return `| ${j.name} | ${rru.toFixed(1)} RRU, ${wru.toFixed(1)} WRU: ${dollars(dynamo)} | ${j.requests}: ${dollars(lambda)} | ${dollars(api)} | ${signs}: ${dollars(kms)} | **${dollars(dynamo + lambda + api + kms)}** |`;
  });
  const cognito = (perMau: number) => dollars((1e6 / 10) * perMau);
  const costSection = `| per | DynamoDB (units per operation, measured) | Lambda (requests, each ${LAMBDA_SECONDS_PER_REQUEST * 1000} ms at 1 GB, Arm) | API Gateway REST | KMS (Sign calls, measured) | total |
|---|---|---|---|---|---|
${costLines.join('\n')}

Amazon Cognito bills per monthly active user: at 10 sign-ins a month, a million sign-ins are
100,000 users, ${cognito(PRICE.cognitoMau.lite)} on Lite, ${cognito(PRICE.cognitoMau.essentials)} on Essentials (MFA by TOTP, passkeys),
${cognito(PRICE.cognitoMau.plus)} on Plus (before each tier's free allowance).

Prices: DynamoDB on demand $0.125 per million read and $0.625 per million write request units
(after the November 2024 reduction), Lambda $0.20 per million requests and $0.0000133334 per
GB-second (Arm), API Gateway REST $3.50 per million, KMS $0.15 per 10,000 asymmetric requests,
Cognito $0.0055 / $0.015 / $0.02 per MAU (us-east-1; check the current pages before relying on
them). Measured: the units and signatures of each operation (above; the audit seals'
${sealWruPerEvent.toFixed(3)} write units per event added for the events each journey writes).
Assumed: the requests per journey (counted on the local stack: a first password sign-in is 8
page requests and the code exchange; single sign-on the authorization request, its resume and
the code exchange) and ${LAMBDA_SECONDS_PER_REQUEST * 1000} ms of a 1 GB function per request
(argon2id alone is about 40 ms of the password step). Storage, logs and data transfer are left
out.`;

  if (write) {
    const doc = `# Benchmarks

Measured by \`npm run bench\` (${runs} runs of each cold start; where a range is given it is
the median (min–max) of ${spreadRuns} runs). yitong and its baseline alternate within one run,
the order reversed every other run, after a warm-up that is not counted, so the ratio of
medians is the figure to read. Cold start is a fresh Node process importing the bundle and
answering one discovery request, as a new Lambda container would.
Token endpoint: one request in flight, client and server in one process. yitong goes through
the local gateway, middy and serverless-http to the deployed handler, audit events included.
The baseline is bare oidc-provider doing the same token work: the same DynamoDB adapter
(libs/oidc) on the same embedded store (dynalite in a process of its own, as DynamoDB is
elsewhere on AWS; tables of its own), ES256 keys, JWT access tokens for a resource (RFC 8707)
signed ES256, PKCE, rotating refresh tokens; it signs people in with oidc-provider's development
interactions (no password, no account store). The same provider in memory is an extra row, to
show what storage alone costs. Each run first mints its codes by single sign-on (not timed),
then times ${tokens.requestsPerRun} code exchanges, ${tokens.requestsPerRun} refreshes and
${tokens.requestsPerRun} client credentials grants (\`BENCH_TOKEN_REQUESTS\`). Wall-clock rates
include the store's latency; per-CPU-second rates count only the measuring process's CPU (on a
busy machine the wall-clock ranges are wide and the per-CPU ratios are the steadier figure).
DynamoDB cost per operation (each measured once, after one of its kind as warm-up): calls by
SDK middleware; read units (RRU) and write units (WRU) from \`ReturnConsumedCapacity\`, which the
middleware sets on every command. ${
      tokens.missingCapacity
        ? `The store returned no ConsumedCapacity for ${tokens.missingCapacity}; their units are computed from item sizes.`
        : 'The store returned ConsumedCapacity for every call.'
    } dynalite reports the table's units only, so index writes are
worked out as DynamoDB bills them: every global secondary index entry a write puts, changes or
removes costs 1 KB write units, a changed index key two (a delete and a put), read before and
after the write through an uncounted client. A failed conditional write is charged the existing
item's size (at least 1 unit), an empty query the 0.5-unit minimum. dynalite sizes strings in
UTF-16 code units, not UTF-8 bytes, so items holding Chinese text read slightly low. The bare
provider's client credentials token is a JWT oidc-provider does not store: no calls.
Licence verification runs the whole verifier (signature, every disclosure's digest, the
licence id's check character, the status entry from a cached, already verified status list)
against jose's bare ES256 check of the same issuer-signed JWTs, ${licences.licences} licences
verified in turn by both, in ${spreadRuns} alternating runs after a warm-up.
Policy decisions are timed call by call on the same allowed request (an auditor reading the
audit API on the intranet at level 2): libs/policy builds the entities from the stored account
shape, decides and writes the explanation; the baseline is a prebuilt Cedar JSON request
against the same preparsed policy set. ${policy.warmUp} decisions of each come first, untimed:
the percentiles are of the timed calls only. "Uncached" decides afresh every call; the
memoised row repeats one decision through the per-container decision memo. Policy load costs
are fresh processes; the first call into the 4 MB Cedar wasm pays for its compilation,
whichever call it is.
yitong's cold start includes fetching its signing key's public half from KMS (a local
stand-in here; the real call adds network time) and its cookie keys from DynamoDB.
Audit appends are one put each to a write-sharded partition (schema 3, docs/audit.md), from 32
writers at once (one per container, as Lambda runs them), against a plain put of the same item
(same attributes, so the same six indexes), alternated run by run, the store in its own process;
the sealer then seals everything written and verification walks it. The query rows bulk-load
and seal \`AUDIT_BENCH_EVENTS\` events (100,000 by default) and count the items DynamoDB read
(ScannedCount) against the items returned. KMS \`Sign\` calls are the signatures the local
keyring makes during each costed operation, one per call a deployment would make.

- date: ${new Date().toISOString()}
- node: ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB
- command: \`npm run bench\`

${table}

## Cost on AWS, from the units measured above

${costSection}

## DynamoDB calls by kind of item

Each operation's calls from the cost rows above, by the kind of item (the partition key up to
its first \`#\`, with the model for oidc-provider's items) or the index a query reads.

${callsByItem}
`;
    writeFileSync('BENCHMARKS.md', doc);
  }
};

await main();

import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coldStart } from '../../bench/lib/cold-start.ts';
import { restEvent } from '../../bench/lib/events.ts';
import { type Bundle, bundleEntry, CEDAR_WASM, REPO_ROOT } from '../../infra/bundle.ts';
import { slimMimeDb } from '../../infra/esbuild-build.ts';
import { type EmbeddedStore, startEmbeddedStore } from '../../infra/local/embedded-store.ts';
import { FUNCTIONS } from '../../infra/routes.ts';
import { createDynamoClient, ensureTables } from '../../libs/store/index.ts';
import { type FakeAws, startFakeAws } from '../../testkit/fake-aws.ts';

/**
 * What a cold start of the oidc function loads: under 1.2 MB (issue #19). Bundles must stay
 * small enough for a quick cold start; raise only with a measured reason. Issue #20's pages
 * (proofing, companies, the counter, acting for a company) measured 1,250,226 bytes. With the
 * words only one function shows moved into that function's own words module (functions/<name>/words.ts:
 * the admin console's, the account portal's, the sign-in's), Chinese bundled as UTF-8 and the
 * identity services built only where used, it measures 1,193,472 bytes: back under the goal.
 */
const OIDC_INITIAL_BUDGET_BYTES = 1_200_000;
const HOST = 'abc123defg.execute-api.eu-west-1.amazonaws.com';

let bundle: Bundle;
let store: EmbeddedStore | undefined;
let aws: FakeAws;
let env: Record<string, string>;

beforeAll(async () => {
  bundle = bundleEntry('functions/oidc/handler.ts', mkdtempSync(join(tmpdir(), 'yitong-oidc-bundle-')));
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    store = await startEmbeddedStore();
    endpoint = store.endpoint;
  }
  const tables = { identity: 'bundle-identity', licences: 'bundle-licences', audit: 'bundle-audit' };
  await ensureTables(createDynamoClient({ endpoint }), tables);
  aws = await startFakeAws({ keyIds: ['id-token-key'] });
  env = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_KMS: aws.endpoint,
    ZONE: 'public',
    ISSUER: `https://${HOST}/prod`,
    TABLE_IDENTITY: tables.identity,
    TABLE_LICENCES: tables.licences,
    TABLE_AUDIT: tables.audit,
    KMS_KEY_ID_TOKEN: 'id-token-key',
    KMS_KEY_SECRETS: 'secrets-key',
    KMS_KEY_TOTP: 'totp-key',
    SECRETS: 'cookie-keys,pairwise-salt,totp-data-key,reset-code-key,account-client-secret',
    DYNAMODB_ENDPOINT: endpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
});

afterAll(async () => {
  await aws?.close();
  await store?.close();
});

describe('the deployed oidc bundle', () => {
  it('stays within its size budget', () => {
    expect(bundle.initialBytes).toBeLessThan(OIDC_INITIAL_BUDGET_BYTES);
  });

  it('loads its own pages, passkeys, QR codes, SES and SQS only on first use, from chunks of their own', () => {
    const code = (file: string) => readFileSync(join(bundle.dir, file), 'utf8');
    // keepNames writes each class's and function's name as a string where it is defined.
    for (const defined of [
      '"interactionRouter"',
      '"passwordRouter"',
      '"loginBody"',
      '"generateRegistrationOptions"',
      '"toDataURL"',
      '"SESv2Client"',
      '"SQSClient"',
    ]) {
      const files = Object.keys(bundle.files).filter((file) => code(file).includes(defined));
      expect(files, defined).not.toHaveLength(0);
      expect(
        files.filter((file) => bundle.initialFiles.includes(file)),
        defined,
      ).toEqual([]);
    }
    expect(bundle.initialFiles[0]).toBe('index.mjs');
  });

  it('serves discovery behind an API stage with https endpoints under the stage path', async () => {
    const { result } = await coldStart(
      join(bundle.dir, 'index.mjs'),
      restEvent({ path: '/.well-known/openid-configuration', host: HOST }),
      env,
    );
    expect(result.statusCode).toBe(200);
    const metadata = JSON.parse(result.body);
    expect(metadata.issuer).toBe(`https://${HOST}/prod`);
    expect(metadata.token_endpoint).toBe(`https://${HOST}/prod/token`);
    expect(metadata.jwks_uri).toBe(`https://${HOST}/prod/jwks`);
    // The first start makes the secrets it needs with KMS (cookie keys, pairwise salt, the
    // reset code key, the account portal's secret); the TOTP data key waits for the first TOTP.
    expect([...aws.calls].sort()).toEqual([
      'TrentService.GenerateDataKey',
      'TrentService.GenerateDataKey',
      'TrentService.GenerateDataKey',
      'TrentService.GenerateDataKey',
      'TrentService.GetPublicKey',
    ]);
  });

  it('answers a page of its own on a cold start, loading the pages on that first request', async () => {
    const { result } = await coldStart(
      join(bundle.dir, 'index.mjs'),
      restEvent({ path: '/password/reset', host: HOST }),
      env,
    );
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('<form');
  });

  it('publishes the KMS key, and only its public half', async () => {
    const { result } = await coldStart(
      join(bundle.dir, 'index.mjs'),
      restEvent({ path: '/jwks', host: HOST }),
      env,
    );
    const { keys } = JSON.parse(result.body);
    const expected = createPublicKey(aws.keys.get('id-token-key')!).export({ format: 'jwk' });
    expect(keys).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', x: expected.x, y: expected.y }),
    ]);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('refuses to start with an incomplete environment, naming what is missing', async () => {
    const { TABLE_AUDIT: _missing, ...incomplete } = env;
    await expect(
      coldStart(join(bundle.dir, 'index.mjs'), restEvent({ path: '/jwks', host: HOST }), incomplete),
    ).rejects.toThrow(/TABLE_AUDIT/);
  });
});

/**
 * Each function is bundled on its own with only what it imports. Budgets: raise one only with
 * a measured reason. The oidc function carries oidc-provider and Koa; nothing else may.
 */
// `initial` is what a cold start loads (the entry and the chunks it imports statically), `all`
// every chunk besides (what loads on first use: the oidc function's own pages, passkeys, QR
// codes, SES, SQS, and the AWS SDK's other credential providers). Measured with `npx tsx bench/cold-start.ts` (issue #19): zod
// without its locales (100 KiB), one slimmed mime-db, code splitting; budgets about 3% above.
// The one word catalogue (libs/web, both languages: about 75 KiB minified) is in every function
// that renders a page.
// Issue #20's proofing and counter pages added about 16 KiB of words (both languages) to every
// function with pages, and the proofing step and counter pages their code: measured oidc 1194,
// audit 699, admin 824, licences 750, account 791 KiB initial (audit was already at 683); all
// chunks: audit 1010, admin 1135, account 1163 KiB.
const BUNDLE_BUDGETS_KIB: Record<string, { readonly initial: number; readonly all: number }> = {
  // oidc measured 1158 KiB initial, 1900 KiB all; its initial budget is the 1.2 MB goal.
  // Powertools Tracer with the X-Ray SDK (issue #22) is a chunk of about 130 KiB in every function,
  // loaded at cold start only where tracing is on (on Lambda): each `all` below grew by it
  // (measured: oidc 1163 / 2033, audit 673 / 1112, admin 791 / 1229, licences 725 / 1164,
  // account 757 / 1257, audit-jobs 661 / 1081, authorizer 502 / 940).
  // Issue #20's pages then measured initial oidc 1221, audit 729, admin 865, licences 782,
  // account 836, audit-jobs 680, authorizer 520 KiB. Words only one function shows now live in
  // that function's own words module (functions/*/words.ts), Chinese text is bundled as UTF-8 (it
  // was escaped, 6 bytes a character), and only the functions that use them build the identity
  // services (identityOf): measured initial oidc 1166, audit 667, admin 828, licences 726,
  // account 790, audit-jobs 670, authorizer 511 KiB; budgets about 2% above (oidc: the 1.2 MB
  // goal). All chunks: admin 1270 and account 1306 KiB before the admin words moved (the counter
  // and company pages' code), budgets 2% above; the others within theirs.
  oidc: { initial: 1172, all: 2094 },
  // Issue #21 (and #20's phone check): the audit console's words for 20 new event types, and
  // libs/identity's proofing code, which its index carries into every function that imports the
  // lib (lazy chunks for most): measured audit 684 / 1147, audit-jobs 674 / 1117, authorizer
  // 515 / 977 KiB (initial / all). Budgets 2% above.
  audit: { initial: 698, all: 1170 },
  // Issue #21's help desk (its pages, words, the identity re-check and ending sessions from the
  // admin function): admin measured 836 → 872 KiB initial, 1277 → 1313 KiB all; budgets 2% above.
  admin: { initial: 890, all: 1340 },
  licences: { initial: 741, all: 1199 },
  // account: the account centre (issue #21). Its pages load on first use; what they share with
  // the wallet (AccountSessions, notices and their queue, contact details, TOTP sealing, passkey
  // listing, proofing's code pages) and the portal's words for them do not. Measured 857 KiB
  // initial, 1758 KiB all (the WebAuthn server library is a chunk loaded only by the passkey
  // pages). Budgets 1-2% above.
  account: { initial: 865, all: 1780 },
  authorizer: { initial: 525, all: 997 },
  // audit-jobs: the sealer, the stream's change handling and alerts (issue #18) added about 5 KiB.
  'audit-jobs': { initial: 688, all: 1140 },
};

describe('every function bundle', () => {
  it.each(FUNCTIONS.map((fn) => fn.name))(
    '%s stays within its size budget, oidc-provider only in oidc, the tracer off the cold start',
    (name) => {
      const fn = FUNCTIONS.find((f) => f.name === name)!;
      const dir = mkdtempSync(join(tmpdir(), `yitong-${name}-bundle-`));
      const built = bundleEntry(fn.entry, dir);
      const budget = BUNDLE_BUDGETS_KIB[name];
      expect(budget).toBeDefined();
      expect(built.initialBytes / 1024).toBeLessThan(budget!.initial);
      expect(built.bytes / 1024).toBeLessThan(budget!.all);
      const code = Object.keys(built.files)
        .map((file) => readFileSync(join(dir, file), 'utf8'))
        .join('\n');
      expect(code.includes('oidc-provider NOTICE')).toBe(name === 'oidc');
      // The tracer is bundled, but off the cold start unless tracing is on (a chunk of its own).
      const tracerFiles = Object.keys(built.files).filter((file) =>
        readFileSync(join(dir, file), 'utf8').includes('AWS_XRAY_DAEMON_ADDRESS'),
      );
      expect(tracerFiles).not.toHaveLength(0);
      expect(tracerFiles.filter((file) => built.initialFiles.includes(file))).toEqual([]);
    },
  );
});

describe('the bundler', () => {
  it("refuses a bundle that would carry zod's locales (a named import of zod keeps them all)", () => {
    expect(() =>
      bundleEntry('test/infra/fixtures/zod-named-import.ts', mkdtempSync(join(tmpdir(), 'yitong-zod-'))),
    ).toThrow(/zod locales/);
  });

  it('keeps of mime-db every field mime-types reads, of every type it can answer for', () => {
    const db = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/mime-db/db.json'), 'utf8'));
    const slim = slimMimeDb(db);
    for (const [name, type] of Object.entries<Record<string, unknown>>(db)) {
      if (!type.extensions && !type.charset) expect(slim[name]).toBeUndefined();
      else
        expect(slim[name]).toEqual({
          ...(type.source ? { source: type.source } : {}),
          ...(type.charset ? { charset: type.charset } : {}),
          ...(type.extensions ? { extensions: type.extensions } : {}),
        });
    }
    expect(Object.keys(slim).length).toBeGreaterThan(900);
  });

  it('answers through mime-types (both copies in the bundles) just as the whole mime-db does', () => {
    const db = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/mime-db/db.json'), 'utf8'));
    const slim = slimMimeDb(db);
    // mime-types evaluated as Node would, with the table it is given.
    const mimeTypes = (dir: string, table: object) => {
      const file = join(REPO_ROOT, dir, 'index.js');
      const module = { exports: {} as Record<string, (value: string) => unknown> };
      const load = createRequire(file);
      new Function('require', 'module', 'exports', readFileSync(file, 'utf8'))(
        (id: string) => (id === 'mime-db' ? table : load(id)),
        module,
        module.exports,
      );
      return module.exports;
    };
    const extensions = Object.values<{ extensions?: string[] }>(db).flatMap((t) => t.extensions ?? []);
    for (const dir of ['node_modules/mime-types', 'node_modules/accepts/node_modules/mime-types']) {
      const [whole, slimmed] = [mimeTypes(dir, db), mimeTypes(dir, slim)];
      for (const ext of extensions) expect(slimmed.lookup!(ext), ext).toBe(whole.lookup!(ext));
      for (const type of [...Object.keys(db), 'text/x-unknown', 'application/x-unknown']) {
        for (const fn of ['extension', 'charset', 'contentType'] as const) {
          expect(slimmed[fn]!(type), `${fn}(${type})`).toBe(whole[fn]!(type));
        }
      }
    }
  });
});

describe('the deployed audit bundle (a function that decides)', () => {
  let audit: Bundle;
  beforeAll(() => {
    audit = bundleEntry('functions/audit/handler.ts', mkdtempSync(join(tmpdir(), 'yitong-audit-bundle-')));
  });

  it('carries the Cedar wasm and the policy files, but not the policy tests', () => {
    const files = readdirSync(audit.dir);
    expect(files).toEqual(expect.arrayContaining(['index.mjs', CEDAR_WASM, 'policies']));
    const policies = readdirSync(join(audit.dir, 'policies'));
    expect(policies).toEqual(expect.arrayContaining(['schema.cedarschema', 'zones.cedar', 'roles.cedar']));
    expect(policies).not.toContain('tests');
  });

  it('decides in a fresh process: 401 for no token on the intranet, 403 from the public entry', async () => {
    const event = restEvent({ path: '/audit/verify', resource: '/audit/verify', host: HOST });
    const intranet = await coldStart(join(audit.dir, 'index.mjs'), event, { ...env, ZONE: 'intranet' });
    expect(intranet.result.statusCode).toBe(401);
    const outside = await coldStart(join(audit.dir, 'index.mjs'), event, { ...env, ZONE: 'public' });
    expect(outside.result.statusCode).toBe(403);
    expect(JSON.parse(outside.result.body).detail).toMatch(/zone-api-entry/);
  });
});

import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coldStart } from '../../bench/lib/cold-start.ts';
import { restEvent } from '../../bench/lib/events.ts';
import { type Bundle, bundleEntry, CEDAR_WASM } from '../../infra/bundle.ts';
import { type EmbeddedStore, startEmbeddedStore } from '../../infra/local/embedded-store.ts';
import { FUNCTIONS } from '../../infra/routes.ts';
import { createDynamoClient, ensureTables } from '../../libs/store/index.ts';
import { type FakeAws, startFakeAws } from '../../testkit/fake-aws.ts';

/** Bundles must stay small enough for a quick cold start; raise only with a measured reason. */
const OIDC_BUNDLE_BUDGET_BYTES = 2.5 * 1024 * 1024;
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
    expect(bundle.bytes).toBeLessThan(OIDC_BUNDLE_BUDGET_BYTES);
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
// The one word catalogue (libs/web, both languages: about 75 KiB minified) is in every function
// that renders a page; the account portal, with QR codes and the licence verifier, reaches past
// 1280 KiB with it. Most of every bundle is zod (460 KiB, 261 KiB of it locales never used; issue #19).
const BUNDLE_BUDGETS_KIB: Record<string, number> = {
  oidc: 2560,
  audit: 1280,
  admin: 1280,
  licences: 1280,
  account: 1344,
  authorizer: 1280,
  'audit-jobs': 1280,
};

describe('every function bundle', () => {
  it.each(FUNCTIONS.map((fn) => fn.name))(
    '%s stays within its size budget, oidc-provider only in oidc',
    (name) => {
      const fn = FUNCTIONS.find((f) => f.name === name)!;
      const dir = mkdtempSync(join(tmpdir(), `yitong-${name}-bundle-`));
      const built = bundleEntry(fn.entry, dir);
      expect(BUNDLE_BUDGETS_KIB[name]).toBeDefined();
      expect(built.bytes / 1024).toBeLessThan(BUNDLE_BUDGETS_KIB[name]!);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.includes('oidc-provider NOTICE')).toBe(name === 'oidc');
    },
  );
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

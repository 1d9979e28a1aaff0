import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDpopProofLog } from '@yitong/access/dynamodb';
import { exportJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import { filingsBehindAuthorizer, makeTaxApi } from '../../examples/verifier/tax-api.ts';
import { makeHandler as makeAuthorizer } from '../../functions/authorizer/app.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, machineToken, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { issueDrivingPermit, revokeLicence } from '../support/licences.ts';
import { ensurePackagesBuilt } from '../support/packages.ts';

/**
 * The published packages as a department and a verifier use them: built to plain JS, imported
 * by name through node_modules (examples/verifier), run by plain Node, against the local stack.
 */

const run = promisify(execFile);
let stack: LocalStack;
let dir: string;
let audience: string;

/** `node` of this repository (24, from the node package): what a verifier would have installed. */
const node = (...args: string[]) =>
  run(process.execPath, args, { cwd: process.cwd() }).then(
    ({ stdout }) => ({ code: 0, out: JSON.parse(stdout) as Record<string, unknown> }),
    (err: { code: number; stdout: string; stderr: string }) => {
      if (!err.stdout) throw new Error(err.stderr);
      return { code: err.code, out: JSON.parse(err.stdout) as Record<string, unknown> };
    },
  );

beforeAll(async () => {
  // As CI and `npm install` do (the root `prepare`): the packages' dist is what the example imports.
  await ensurePackagesBuilt();
  stack = await startLocalDemo({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0, staff: 0 },
  });
  audience = `${stack.demo.sites.tax.url}/api`;
  dir = await mkdtemp(join(tmpdir(), 'yitong-verifier-'));
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('@yitong/access in a department API (examples/verifier/tax-api.ts)', () => {
  it('lets a token with the route scope through requireAccess and refuses the rest with 401 or 403', async () => {
    await registerClient(stack, 'public', 'tax-example');
    const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const { access_token } = await tokensFor(stack, 'public', 'tax-example', citizen, {
      resource: audience,
      scope: 'openid tax:read',
    });
    const api = makeTaxApi({
      issuer: stack.urls.public,
      audience,
      dpopProofs: new DynamoDpopProofLog(
        createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
        stack.tables.identity,
      ),
    });
    const call = (method: string, headers: Record<string, string>) =>
      api(
        {
          httpMethod: method,
          path: '/filings',
          resource: '/filings',
          headers,
          requestContext: { domainName: new URL(audience).host, path: '/api/filings' },
        },
        {} as never,
      );
    const ok = await call('GET', { Authorization: `Bearer ${access_token}` });
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body).caller).toMatchObject({ kind: 'user', loa: 1 });
    const noScope = await call('POST', { Authorization: `Bearer ${access_token}` });
    expect(noScope.statusCode).toBe(403);
    expect(JSON.parse(noScope.body)).toMatchObject({ status: 403, missingScope: 'tax:file' });
    const none = await call('GET', {});
    expect(none.statusCode).toBe(401);
    expect(none.headers?.['www-authenticate']).toMatch(/^Bearer/);
    const tampered = await call('GET', { Authorization: `Bearer ${access_token.slice(0, -4)}AAAA` });
    expect(tampered.statusCode).toBe(401);
    expect(tampered.headers?.['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('holds a DPoP-bound token to one use of each proof', async () => {
    await registerClient(stack, 'public', 'tax-example-dpop', { dpop_bound_access_tokens: true });
    const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const { access_token } = await tokensFor(stack, 'public', 'tax-example-dpop', citizen, {
      resource: audience,
      scope: 'openid tax:read',
      dpop: (config) => oidc.getDPoPHandle(config, keyPair),
    });
    const url = `https://${new URL(audience).host}/api/filings`;
    const proof = await new SignJWT({
      htm: 'GET',
      htu: url,
      jti: randomUUID(),
      ath: createHash('sha256').update(access_token).digest('base64url'),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keyPair.publicKey) })
      .setIssuedAt()
      .sign(keyPair.privateKey);
    const api = makeTaxApi({ issuer: stack.urls.public, audience });
    const event = {
      httpMethod: 'GET',
      path: '/filings',
      resource: '/filings',
      headers: { Authorization: `DPoP ${access_token}`, DPoP: proof },
      requestContext: { domainName: new URL(audience).host, path: '/api/filings' },
    };
    expect((await api(event, {} as never)).statusCode).toBe(200);
    const replay = await api(event, {} as never);
    expect(replay.statusCode).toBe(401);
    expect(replay.headers?.['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });

  it("reads the caller yitong's authorizer passes on, in the shape the authorizer builds", async () => {
    await registerClient(stack, 'public', 'tax-example-gw');
    const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const { access_token } = await tokensFor(stack, 'public', 'tax-example-gw', citizen, {
      resource: audience,
      scope: 'openid tax:read',
    });
    const authorize = await makeAuthorizer(
      await createRuntime({
        zone: 'public',
        issuer: stack.urls.public,
        tables: stack.tables,
        keys: { kind: 'local', dir: stack.keysDir },
        dynamodbEndpoint: stack.dynamodbEndpoint,
        localMode: true,
      }),
      { audience },
    );
    const request = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:cn-north-1:123456789012:abcdef/prod/GET/filings',
      resource: '/filings',
      path: '/filings',
      httpMethod: 'GET',
      headers: { Authorization: `Bearer ${access_token}` },
      requestContext: { domainName: new URL(audience).host, path: '/api/filings', requestId: randomUUID() },
    };
    const allowed = await authorize(request as never);
    expect(allowed.policyDocument.Statement[0]!.Effect).toBe('Allow');
    const res = await filingsBehindAuthorizer({
      ...request,
      requestContext: { ...request.requestContext, authorizer: allowed.context as Record<string, string> },
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).caller).toEqual({
      id: allowed.principalId,
      scopes: ['tax:read'],
      acr: 'urn:yitong:loa:1',
    });
    expect((await filingsBehindAuthorizer(request)).statusCode).toBe(401);
  });
});

describe('@yitong/licence-verifier in a verifier of its own (examples/verifier)', () => {
  it("asks the issuer online, which answers in the package's OnlineVerification shape", async () => {
    const licence = await issueDrivingPermit(stack, await machineToken(stack));
    const file = join(dir, 'online.sd-jwt');
    await writeFile(file, licence.credential);
    const answer = await node(
      'examples/verifier/verify-licence.ts',
      file,
      '--issuer',
      stack.urls.public,
      '--as',
      'Acme Car Hire',
      '--purpose',
      'hiring a car',
    );
    expect(answer).toMatchObject({
      code: 0,
      out: { verdict: 'valid', licence_id: licence.licence_id, issuer: stack.urls.public },
    });
  });

  it('typechecks as an outside project against the published declarations', async () => {
    await expect(
      run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'examples/verifier']),
    ).resolves.toBeDefined();
  });

  it("resolves every import the docs show from @yitong/*, name by name, and no import of yitong's own files", async () => {
    const docs = [
      'README.md',
      'examples/verifier/README.md',
      'packages/access/README.md',
      'packages/licence-verifier/README.md',
      ...(await readdir('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
    ];
    const shown: string[] = [];
    for (const doc of docs) {
      const text = await readFile(doc, 'utf8');
      for (const [, code] of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
        expect(code, doc).not.toMatch(/from '(\.{1,2}\/|yitong\/)/);
        for (const [, names, spec] of code!.matchAll(/import\s+\{([^}]*)\}\s+from\s+'(@yitong\/[^']+)'/g)) {
          const module = (await import(spec!)) as Record<string, unknown>;
          for (const name of names!
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean)) {
            if (name.startsWith('type ')) continue;
            expect(module[name], `${doc}: ${name} from ${spec}`).toBeDefined();
            shown.push(`${spec} ${name}`);
          }
        }
      }
    }
    expect(shown).toEqual(
      expect.arrayContaining([
        '@yitong/access requireAccess',
        '@yitong/access/dynamodb DynamoDpopProofLog',
        '@yitong/licence-verifier verifyLicence',
        '@yitong/licence-verifier verifyOnline',
      ]),
    );
  });

  it('packs only the built files, the README and the manifest', async () => {
    for (const workspace of ['@yitong/licence-verifier', '@yitong/access']) {
      const { stdout } = await run('npm', [
        'pack',
        '--dry-run',
        '--json',
        '--ignore-scripts',
        '-w',
        workspace,
      ]);
      const [packed] = JSON.parse(stdout) as [{ name: string; version: string; files: { path: string }[] }];
      const files = packed.files.map((f) => f.path);
      expect(packed.name).toBe(workspace);
      expect(packed.version).toMatch(/^\d+\.\d+\.\d+$/);
      const entries =
        workspace === '@yitong/access'
          ? ['dist/index.js', 'dist/dynamodb.js']
          : ['dist/node.js', 'dist/web.js'];
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', ...entries]));
      expect(
        files.filter((f) => !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map))$/.test(f)),
      ).toEqual([]);
      expect(files.some((f) => f.startsWith('src/'))).toBe(false);
    }
  });
  it('verifies online, then offline from its cache, sees a revocation, and refuses an altered licence', async () => {
    const transport = await machineToken(stack);
    const kept = await issueDrivingPermit(stack, transport);
    const revoked = await issueDrivingPermit(stack, transport);
    await revokeLicence(stack, transport, revoked.licence_id);
    const keptFile = join(dir, 'kept.sd-jwt');
    const revokedFile = join(dir, 'revoked.sd-jwt');
    await writeFile(keptFile, kept.credential);
    await writeFile(revokedFile, revoked.credential);
    const cache = join(dir, 'trust.json');
    const script = 'examples/verifier/verify-licence.ts';

    const online = await node(script, keptFile, '--trust', stack.urls.public, '--cache', cache);
    expect(online).toMatchObject({ code: 0, out: { verdict: 'valid', licenceId: kept.licence_id } });
    expect(
      (await node(script, revokedFile, '--trust', stack.urls.public, '--cache', cache)).out,
    ).toMatchObject({
      verdict: 'revoked',
    });

    // Offline: the stack is stopped (this test runs last), so only the cache can answer.
    await stack.stop();
    const offline = await node(script, keptFile, '--offline', '--cache', cache);
    expect(offline).toMatchObject({ code: 0, out: { verdict: 'valid', status: { stale: false } } });
    expect((offline.out.status as { ageSeconds: number }).ageSeconds).toBeGreaterThanOrEqual(0);
    expect(await node(script, revokedFile, '--offline', '--cache', cache)).toMatchObject({
      code: 2,
      out: { verdict: 'revoked' },
    });
    const [jwt, first] = kept.credential.split('~');
    const [salt, name] = JSON.parse(Buffer.from(first!, 'base64url').toString());
    const altered = Buffer.from(JSON.stringify([salt, name, 'forged'])).toString('base64url');
    await writeFile(keptFile, `${jwt}~${altered}~`);
    expect(await node(script, keptFile, '--offline', '--cache', cache)).toMatchObject({
      code: 2,
      out: { verdict: 'invalid', reason: 'disclosure_mismatch' },
    });
    // An issuer that was never trusted is refused offline, whatever the licence says.
    expect(await node(script, revokedFile, '--offline', '--cache', join(dir, 'empty.json'))).toMatchObject({
      code: 2,
      out: { verdict: 'invalid', reason: 'unknown_issuer' },
    });
  });
});

import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { createRegistrationToken } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import {
  CALLBACK,
  clientConfig,
  createPerson,
  isCallback,
  machineToken,
  registerClient,
  tokensFor,
} from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { UserAgent } from '../../testkit/user-agent.ts';

/**
 * Secrets at rest (issue #15, finding 7): whoever can read the identity table — a backup, a
 * function with read access, an operator — must find no secret it could use: TOTP secrets are
 * encrypted, client secrets and recovery codes hashed, cookie keys and the pairwise salt elsewhere.
 */
let stack: LocalStack;
let doc: DynamoDBDocumentClient;

const raw = async (pk: string, sk: string) =>
  (
    await doc.send(
      new GetCommand({ TableName: stack.tables.identity, Key: { pk, sk }, ConsistentRead: true }),
    )
  ).Item;
const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');
const insecure = { execute: [oidc.allowInsecureRequests] };

beforeAll(async () => {
  stack = await startTestStack();
  doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
}, 60_000);

afterAll(async () => {
  doc?.destroy();
  await stack?.stop();
});

describe('secrets at rest', () => {
  it('stores an enrolled TOTP secret encrypted and recovery codes salted, and both still work', async () => {
    await registerClient(stack, 'public', 'secrets-level2', {
      yitong_department: 'tax',
      yitong_required_acr: 'urn:yitong:loa:2',
    });
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const config = await oidc.discovery(
      new URL(stack.urls.public),
      'secrets-level2',
      undefined,
      oidc.ClientSecretBasic(`secrets-level2-secret-${'x'.repeat(32)}`),
      insecure,
    );
    const signInUrl = async () =>
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href;
    const ua = new UserAgent();
    let page = await ua.follow(await signInUrl(), isCallback);
    page = await ua.submit(page, '/login', { username: person.username, password: person.password });
    expect(page.html).toContain('/enrol"');
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.html)![1]!;

    // Between the steps, the secret waits for its first code: not in clear either.
    const uid = /\/interaction\/([^/?]+)/.exec(page.url)![1]!;
    const pending = await raw(`pending#${uid}`, 'pending');
    expect(pending).toBeDefined();
    expect(JSON.stringify(pending)).not.toContain(secret);

    page = await ua.submit(page, '/enrol', { otp: totpCode(secret) }, isCallback);
    const codes = [...page.html.matchAll(/<li>([A-Z2-9-]{9,})<\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    // Longer than the 40 bits of XXXX-XXXX: 60 bits each.
    for (const code of codes) expect(code.replace(/-/g, '')).toHaveLength(12);

    const account = await raw(`account#${person.accountId}`, 'account');
    const stored = JSON.stringify(account);
    expect(stored).not.toContain(secret);
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(sha256Hex(code));
      expect(stored).not.toContain(sha256Hex(code.replace(/-/g, '')));
    }
    expect(account!.totp.recovery.salt).toEqual(expect.any(String));

    // The encrypted secret still proves the second factor, and a recovery code still works once.
    const second = new UserAgent();
    page = await second.follow(await signInUrl(), isCallback);
    page = await second.submit(page, '/login', { username: person.username, password: person.password });
    expect(page.html).toContain('/otp" novalidate');
    page = await second.submit(page, '/otp', { otp: codes[0]! }, isCallback);
    expect(page.html).not.toContain('/otp" novalidate');
    const third = new UserAgent();
    page = await third.follow(await signInUrl(), isCallback);
    page = await third.submit(page, '/login', { username: person.username, password: person.password });
    const reused = await third.submit(page, '/otp', { otp: codes[0]! }, isCallback);
    expect(reused.html).toContain('/otp" novalidate');
  });

  it('stores client secrets only as hashes, and client_secret_basic still works', async () => {
    await registerClient(stack, 'public', 'secrets-hashed', { yitong_department: 'tax' });
    const plain = `secrets-hashed-secret-${'x'.repeat(32)}`;
    const stored = await raw('oidc#Client#secrets-hashed', 'oidc');
    expect(stored).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain(plain);

    // The seeded machine client of local mode too; its secret (kept in the data folder) works.
    const machine = stack.demo.machineClients[0]!;
    expect(JSON.stringify(await raw(`oidc#Client#${machine.clientId}`, 'oidc'))).not.toContain(
      machine.secret,
    );
    expect(await machineToken(stack, machine.clientId)).toEqual(expect.any(String));
    const wrong = await fetch(`${stack.urls.extranet}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${machine.clientId}:${machine.secret}x`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'licences:issue' }),
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
    // Nor does the stored hash itself authenticate.
    const hash = String(JSON.parse(String(stored!.payload)).client_secret);
    const withHash = await fetch(`${stack.urls.public}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`secrets-hashed:${hash}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK }),
    });
    expect(withHash.status).toBe(401);
  });

  it('returns a dynamically registered secret once, stores its hash, and never shows it again', async () => {
    const { token } = await createRegistrationToken(
      doc,
      stack.tables.identity,
      { department: 'tax', zones: ['public'] },
      { ttlSeconds: 600, uses: 1 },
    );
    const metadata = {
      client_name: 'Secrets at rest check',
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    };
    const registered = await fetch(`${stack.urls.public}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    expect(registered.status).toBe(201);
    const body = (await registered.json()) as Record<string, string>;
    expect(body.client_secret).toEqual(expect.any(String));
    const stored = await raw(`oidc#Client#${body.client_id}`, 'oidc');
    expect(JSON.stringify(stored)).not.toContain(body.client_secret);

    const read = await fetch(body.registration_client_uri!, {
      headers: { authorization: `Bearer ${body.registration_access_token}` },
    });
    expect(read.status).toBe(200);
    const readBody = (await read.json()) as Record<string, string>;
    expect(readBody).not.toHaveProperty('client_secret');
    expect(readBody.client_id).toBe(body.client_id);

    // An RFC 7592 update that includes the current secret is accepted, and shows no secret.
    const update = (accessToken: string | undefined, secret: string) =>
      fetch(body.registration_client_uri!, {
        method: 'PUT',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...metadata, client_id: body.client_id, client_secret: secret }),
      });
    const updated = await update(readBody.registration_access_token, body.client_secret!);
    expect(updated.status).toBe(200);
    const updatedBody = (await updated.json()) as Record<string, string>;
    expect(updatedBody).not.toHaveProperty('client_secret');
    expect(JSON.stringify(await raw(`oidc#Client#${body.client_id}`, 'oidc'))).not.toContain(
      body.client_secret,
    );
    // A wrong secret in an update is refused.
    const wrong = await update(updatedBody.registration_access_token, 'not-the-secret');
    expect(wrong.status).toBe(400);
  });

  it('shows an administrator a client secret once, when it is made, and stores its hash', async () => {
    await registerClient(stack, 'intranet', 'secrets-console', { yitong_resources: ['admin'] });
    const person = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const { access_token: token } = await tokensFor(stack, 'intranet', 'secrets-console', person, {
      resource: `${stack.urls.intranet}/admin`,
      scope: 'openid admin',
    });
    const admin = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${stack.urls.intranet}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const input = {
      client_name: 'Secrets at rest (admin)',
      department: 'tax',
      zone: 'public',
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'none',
    };
    const created = await admin('POST', '/clients', input);
    expect(created.status).toBe(201);
    const id = String(created.body.client_id);
    expect(created.body).not.toHaveProperty('client_secret');
    // Moving it to client_secret_basic makes a secret: shown in this answer only.
    const updated = await admin('PUT', `/clients/${id}`, {
      ...input,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(updated.status).toBe(200);
    const secret = String(updated.body.client_secret);
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect((await admin('GET', `/clients/${id}`)).body).not.toHaveProperty('client_secret');
    expect(JSON.stringify(await raw(`oidc#Client#${id}`, 'oidc'))).not.toContain(secret);
    // The shown secret authenticates at the token endpoint (a bad code, not a bad client).
    const config = await clientConfig(stack, 'public', id, secret);
    const exchange = await fetch(config.serverMetadata().token_endpoint!, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK }),
    });
    expect(((await exchange.json()) as { error: string }).error).toBe('invalid_grant');
    // A rotation shows the new one once; the old one stops working.
    const rotated = await admin('POST', `/clients/${id}/secret`, { reason: 'test' });
    expect(rotated.body.client_secret).not.toBe(secret);
    expect(JSON.stringify(await raw(`oidc#Client#${id}`, 'oidc'))).not.toContain(
      String(rotated.body.client_secret),
    );
  });

  it('keeps no cookie key, pairwise salt or portal secret in the identity table', async () => {
    for (const name of [
      'cookie-keys',
      'pairwise-salt',
      'account-client-secret',
      'security-console-client-secret',
      'admin-console-client-secret',
    ]) {
      expect(await raw(`config#${name}`, 'config'), name).toBeUndefined();
    }
    // The portals still sign people in with the secret they read from the secret store.
    const res = await fetch(`${stack.urls.public}/account/login`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const portal = await raw('oidc#Client#yitong-account', 'oidc');
    expect(String(JSON.parse(String(portal!.payload)).client_secret)).toMatch(/^sha256:/);
  });
});

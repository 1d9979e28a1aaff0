/**
 * The attack suite, in one place: token and licence forgeries, code replay, PKCE downgrade,
 * redirect and logout-redirect manipulation, CSRF on the sign-in pages, session fixation,
 * cross-zone token reuse and zone header spoofing. Every one must be refused.
 */
import { createHmac } from 'node:crypto';
import { base64url, decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
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
import { signIn, UserAgent } from '../../testkit/user-agent.ts';

let stack: LocalStack;
let auditor: Awaited<ReturnType<typeof createPerson>>;
let intranetToken: string;
let licence: string;

const b64json = (value: unknown) => base64url.encode(JSON.stringify(value));
const partsOf = (jwt: string) => {
  const [h, p, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>,
    signature: s!,
  };
};
const hs256 = (header: object, payload: object, secret: string) => {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'intranet', 'attack-intranet', { yitong_resources: ['audit'] });
  await registerClient(stack, 'public', 'attack-public', {
    post_logout_redirect_uris: ['http://localhost:9/after-logout'],
    // Granted so the cross-zone test holds a genuine public-zone audit token to replay.
    yitong_resources: ['audit'],
  });
  auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
  intranetToken = (
    await tokensFor(stack, 'intranet', 'attack-intranet', auditor, {
      resource: `${stack.urls.intranet}/audit`,
      scope: 'openid audit:read',
    })
  ).access_token;
  const issued = await fetch(`${stack.urls.extranet}/licences`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await machineToken(stack)}`,
      'content-type': 'application/json',
      'idempotency-key': 'attack-licence',
    },
    body: JSON.stringify({
      type: 'driving-permit',
      holder: { residentId: DEMO_DRIVING_PERMIT_CLAIMS.id_number },
      claims: DEMO_DRIVING_PERMIT_CLAIMS,
    }),
  });
  licence = ((await issued.json()) as { credential: string }).credential;
}, 120_000);
afterAll(() => stack?.stop());

const auditVerify = (token: string, zone: 'public' | 'extranet' | 'intranet' = 'intranet', headers = {}) =>
  fetch(`${stack.urls[zone]}/audit/verify`, { headers: { authorization: `Bearer ${token}`, ...headers } });
const verifyLicence = async (credential: string) => {
  const res = await fetch(`${stack.urls.public}/licences/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ licence: credential, verifier: 'attack suite', purpose: 'testing forgeries' }),
  });
  return { status: res.status, body: (await res.json()) as { verdict?: string; reason?: string } };
};

describe('forged access tokens at the audit API', () => {
  it('accepts the genuine token (the baseline the forgeries are measured against)', async () => {
    expect((await auditVerify(intranetToken)).status).toBe(200);
  });

  it('refuses alg "none"', async () => {
    const { header, payload } = partsOf(intranetToken);
    const forged = `${b64json({ ...header, alg: 'none' })}.${b64json(payload)}.`;
    expect((await auditVerify(forged)).status).toBe(401);
  });

  it('refuses key confusion: HS256 keyed with the issuer’s public key', async () => {
    const { header, payload } = partsOf(intranetToken);
    const jwks = (await (await fetch(`${stack.urls.intranet}/jwks`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    const key = jwks.keys.find((k) => k.kid === decodeProtectedHeader(intranetToken).kid)!;
    for (const secret of [JSON.stringify(key), (key as { x?: string }).x ?? '']) {
      expect((await auditVerify(hs256({ ...header, alg: 'HS256' }, payload, secret))).status).toBe(401);
    }
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const { header, payload, signature } = partsOf(intranetToken);
    const forged = `${b64json(header)}.${b64json({ ...payload, exp: Number(payload.exp) + 86_400 })}.${signature}`;
    expect((await auditVerify(forged)).status).toBe(401);
  });

  it('refuses a public-zone token at the intranet, and the intranet token at other entries', async () => {
    const citizen = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
    const publicToken = (
      await tokensFor(stack, 'public', 'attack-public', citizen, {
        resource: `${stack.urls.public}/audit`,
        scope: 'openid audit:read',
      })
    ).access_token;
    expect(decodeProtectedHeader(publicToken).typ).toBe('at+jwt');
    expect((await auditVerify(publicToken)).status).toBe(401);
    for (const zone of ['public', 'extranet'] as const) {
      expect((await auditVerify(intranetToken, zone)).status).toBe(403);
    }
  });

  it('ignores zone headers: the entry decides the zone', async () => {
    for (const spoof of [
      { 'x-yitong-zone': 'intranet' },
      { 'x-forwarded-host': new URL(stack.urls.intranet).host },
      { forwarded: 'for=10.0.0.1;host=intranet.gov.example;proto=https' },
    ]) {
      expect((await auditVerify(intranetToken, 'public', spoof)).status).toBe(403);
    }
  });
});

describe('forged licences at the verifier', () => {
  it('finds the genuine licence valid (the baseline)', async () => {
    expect((await verifyLicence(licence)).body.verdict).toBe('valid');
  });

  it('refuses alg "none" and key confusion', async () => {
    const [jwt, ...disclosures] = licence.split('~');
    const { header, payload } = partsOf(jwt!);
    const none = `${b64json({ ...header, alg: 'none' })}.${b64json(payload)}.~${disclosures.join('~')}`;
    expect((await verifyLicence(none)).body).toMatchObject({ verdict: 'invalid' });
    const jwks = (await (await fetch(`${stack.urls.public}/licences/jwks`)).json()) as { keys: object[] };
    const confused = `${hs256({ ...header, alg: 'HS256' }, payload, JSON.stringify(jwks.keys[0]))}~${disclosures.join('~')}`;
    expect((await verifyLicence(confused)).body).toMatchObject({
      verdict: 'invalid',
      reason: 'alg_not_allowed',
    });
  });

  it('names a licence whose signed claims or disclosures were altered', async () => {
    const [jwt, ...disclosures] = licence.split('~');
    const { header, payload, signature } = partsOf(jwt!);
    const extended = `${b64json(header)}.${b64json({ ...payload, exp: Number(payload.exp) + 10 * 365 * 86_400 })}.${signature}`;
    expect((await verifyLicence(`${extended}~${disclosures.join('~')}`)).body).toMatchObject({
      verdict: 'invalid',
      reason: 'bad_signature',
    });
    const forgedDisclosure = base64url.encode(JSON.stringify(['salt', 'family_name', '王']));
    expect((await verifyLicence(`${jwt}~${forgedDisclosure}~`)).body).toMatchObject({
      verdict: 'invalid',
      reason: 'disclosure_mismatch',
    });
  });
});

describe('the sign-in flow', () => {
  const start = async (extra: Record<string, string> = {}) => {
    const config = await clientConfig(stack, 'public', 'attack-public');
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    });
    return { config, verifier, url };
  };
  const citizen = { username: 'zhang.san', password: 'demo-citizen-2026' };

  it('refuses a replayed code', async () => {
    const { config, verifier, url } = await start();
    const callback = await signIn(new UserAgent(), url.href, isCallback, citizen);
    await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    await expect(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses PKCE downgrades: none, plain, and a code redeemed with the wrong verifier or none', async () => {
    const config = await clientConfig(stack, 'public', 'attack-public');
    const downgrades: Array<Record<string, string>> = [
      {},
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
    ];
    for (const extra of downgrades) {
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', ...extra });
      const page = await new UserAgent().follow(url.href, isCallback);
      expect(new URL(page.url).searchParams.get('error')).toBe('invalid_request');
    }
    const { url } = await start();
    const callback = await signIn(new UserAgent(), url.href, isCallback, citizen);
    await expect(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier() }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const code = callback.searchParams.get('code')!;
    const raw = await fetch(`${stack.urls.public}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`attack-public:attack-public-secret-${'x'.repeat(32)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }),
    });
    expect(raw.status).toBe(400);
  });

  it('never redirects to a redirect_uri that differs from the registered one in any way', async () => {
    for (const redirect of [
      'https://attacker.example/cb',
      'http://localhost:9/cb/../evil',
      'http://localhost:9/cb?next=https://attacker.example',
      'http://localhost:9/cb#fragment',
      'http://LOCALHOST:9/cb/',
      'http://localhost:90/cb',
    ]) {
      const { url } = await start();
      url.searchParams.set('redirect_uri', redirect);
      const page = await new UserAgent().request(url.href);
      expect(page.status, redirect).toBe(400);
      expect(page.headers.get('location'), redirect).toBeNull();
    }
  });

  it('never sends a signed-out person to an unregistered post-logout address', async () => {
    const { config, verifier, url } = await start();
    const ua = new UserAgent();
    const callback = await signIn(ua, url.href, isCallback, citizen);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    const logout = new URL(`${stack.urls.public}/session/end`);
    logout.search = new URLSearchParams({
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://attacker.example/phish',
    }).toString();
    const page = await ua.follow(logout.href);
    expect(page.status).toBe(400);
    expect(page.url.startsWith(stack.urls.public)).toBe(true);
  });

  it('refuses a sign-in form posted from another browser (CSRF): no interaction cookie, no sign-in', async () => {
    const { url } = await start();
    const victim = new UserAgent();
    const form = await victim.follow(url.href, isCallback);
    const action = /<form[^>]*action="([^"]*\/login)"/.exec(form.html)![1]!;
    const attacker = new UserAgent();
    const posted = await attacker.request(victim.resolve(form, action), {
      form: { username: citizen.username, password: citizen.password },
    });
    expect(posted.status).toBeGreaterThanOrEqual(400);
    expect(posted.status).toBeLessThan(500);
    expect(posted.headers.get('location')).toBeNull();
  });

  it('does not adopt a session cookie planted before sign-in (session fixation)', async () => {
    const { url } = await start();
    const ua = new UserAgent();
    ua.plant('_session', 'attacker-chosen-session-id');
    ua.plant('_session.sig', 'attacker-chosen-signature');
    await signIn(ua, url.href, isCallback, citizen);
    const session = ua.cookies().get('_session');
    expect(session).toBeDefined();
    expect(session).not.toBe('attacker-chosen-session-id');
  });
});

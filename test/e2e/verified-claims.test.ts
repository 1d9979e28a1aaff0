import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { TRUST_FRAMEWORK } from '../../libs/identity/index.ts';
import {
  adminApiToken,
  CALLBACK,
  clientConfig,
  createPerson,
  isCallback,
  registerClient,
} from '../../testkit/oidc-flow.ts';
import { proveHoldingPhone, stackProofing } from '../../testkit/proving.ts';
import { type SignInOptions, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let zhang: SignInOptions;
let provedAt: string;
const resident = DEMO_RESIDENTS.find((r) => r.loginName === 'zhang.san')!;

/** What a site asks for: verified name and birth date, with the verification, in both the ID token and userinfo. */
const VERIFIED_CLAIMS_REQUEST = {
  verification: { trust_framework: null, assurance_level: null, time: null },
  claims: { name: null, birthdate: null },
};
const CLAIMS = JSON.stringify({
  id_token: { verified_claims: VERIFIED_CLAIMS_REQUEST },
  userinfo: { verified_claims: VERIFIED_CLAIMS_REQUEST },
});

/** A code + PKCE sign-in through the real pages (consent included), then the code exchange and userinfo. */
const signInWith = async (
  clientId: string,
  who: SignInOptions,
  params: Record<string, string>,
  ua = new UserAgent(),
) => {
  const config = await clientConfig(stack, 'public', clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  });
  const callback = await signIn(ua, url.href, isCallback, who);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
  const idToken = tokens.claims()!;
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
  return { idToken, userinfo };
};

beforeAll(async () => {
  stack = await startLocalStack({ memory: true, ports: { public: 0, extranet: 0, intranet: 0 } });
  await registerClient(stack, 'public', 'health-records');
  await registerClient(stack, 'public', 'housing-portal');
  const demo = stack.demo.accounts.find((a) => a.loginName === 'zhang.san')!;
  zhang = { username: demo.loginName, password: demo.password };
  // Prove 张三 to IAL 2 against the stack's own registry twin, as the account portal would: the
  // registry check, then the code sent by SMS (read from the stack's outbox).
  const proving = stackProofing(stack);
  const account = (await proving.accounts.findByLoginName('zhang.san'))!;
  const proved = await proveHoldingPhone(proving, account, {
    name: resident.name,
    residentId: resident.residentId,
    phone: resident.phone,
  });
  provedAt = proved.identity!.verifiedAt;
});
afterAll(() => stack?.stop());

describe('verified_claims (OpenID Connect for Identity Assurance)', () => {
  it('are advertised in discovery with the trust framework, the evidence and the claims yitong verifies', async () => {
    const meta = (await (
      await fetch(`${stack.urls.public}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      claims_parameter_supported: true,
      verified_claims_supported: true,
      trust_frameworks_supported: [TRUST_FRAMEWORK],
      evidence_supported: expect.arrayContaining(['electronic_record', 'document']),
      claims_in_verified_claims_supported: ['name', 'birthdate'],
    });
    expect(meta.scopes_supported).toContain('identity');
    expect(meta.claims_supported).toContain('verified_claims');
  });

  it('reach a site granted the identity scope, for a person proved to IAL 2, in the ID token and userinfo', async () => {
    const ua = new UserAgent();
    const { idToken, userinfo } = await signInWith(
      'health-records',
      zhang,
      { scope: 'openid identity', claims: CLAIMS, prompt: 'consent' },
      ua,
    );
    const expected = {
      verification: {
        trust_framework: TRUST_FRAMEWORK,
        assurance_level: 'urn:yitong:ial:2',
        time: provedAt.replace(/\.\d{3}Z$/, 'Z'),
      },
      claims: {
        name: resident.name,
        birthdate: resident.residentId.replace(/^\d{6}(\d{4})(\d{2})(\d{2}).*$/, '$1-$2-$3'),
      },
    };
    expect(idToken.verified_claims).toEqual(expected);
    expect(userinfo.verified_claims).toEqual(expected);
    // Never the ID number, in any form, and no evidence unless asked for.
    const text = JSON.stringify([idToken, userinfo]);
    expect(text).not.toContain(resident.residentId);
    expect(text).not.toContain(resident.residentId.slice(-4));
    expect(text).not.toContain('evidence');

    // The consent page said what the scope releases; the answer is remembered, so the next
    // sign-in with the same claims request asks nothing and still gets them.
    const config = await clientConfig(stack, 'public', 'health-records');
    const again = await ua.follow(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid identity',
        claims: CLAIMS,
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href,
      isCallback,
    );
    expect(again.html).toMatch(/人口信息库登记的姓名和出生日期|as the population registry holds them/);
    const verifier = oidc.randomPKCECodeVerifier();
    const direct = await ua.follow(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid identity',
        claims: CLAIMS,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).href,
      isCallback,
    );
    expect(isCallback(new URL(direct.url))).toBe(true);
    const remembered = await oidc.authorizationCodeGrant(config, new URL(direct.url), {
      pkceCodeVerifier: verifier,
    });
    expect(remembered.claims()!.verified_claims).toEqual(expected);
    // And in another browser (a new session): consent is remembered per client, with what the
    // identity scope covers, so no consent page is shown (one would be refused here).
    const elsewhere = await signInWith(
      'health-records',
      { ...zhang, consent: false },
      {
        scope: 'openid identity',
        claims: CLAIMS,
      },
    );
    expect(elsewhere.userinfo.verified_claims).toEqual(expected);
  });

  it('narrow to what the request names and add the evidence only when it is asked for', async () => {
    const narrow = {
      verification: { trust_framework: { value: TRUST_FRAMEWORK }, evidence: null },
      claims: { birthdate: null },
    };
    const { idToken } = await signInWith('health-records', zhang, {
      scope: 'openid identity',
      claims: JSON.stringify({ id_token: { verified_claims: narrow } }),
    });
    const verified = idToken.verified_claims as { claims: unknown; verification: { evidence: unknown[] } };
    expect(Object.keys(verified.claims as object)).toEqual(['birthdate']);
    expect(verified.verification.evidence.map((e) => (e as { type: string }).type)).toEqual([
      'electronic_record',
      'electronic_record',
    ]);
  });

  it('give a self-asserted (IAL 1) account none when the site asks only for the scope', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const { idToken, userinfo } = await signInWith('health-records', person, { scope: 'openid identity' });
    expect(idToken.sub).toBeDefined();
    expect(idToken.verified_claims).toBeUndefined();
    expect(userinfo.verified_claims).toBeUndefined();
  });

  it('ask a self-asserted (IAL 1) account to prove its identity when the claims request asks for them', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    await expect(
      signInWith('health-records', person, { scope: 'openid identity', claims: CLAIMS }),
    ).rejects.toThrow(/an identity was asked for/);
  });

  it('give a site not granted the identity scope none, even when its claims request asks for them', async () => {
    const { idToken, userinfo } = await signInWith('housing-portal', zhang, {
      scope: 'openid profile',
      claims: CLAIMS,
    });
    expect(idToken.name).toBeDefined();
    expect(idToken.verified_claims).toBeUndefined();
    expect(userinfo.verified_claims).toBeUndefined();
  });

  it('refuse a malformed verified_claims request with a clear error, not a server fault', async () => {
    const config = await clientConfig(stack, 'public', 'health-records');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid identity',
      claims: JSON.stringify({ id_token: { verified_claims: { claims: { name: null } } } }),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/verification object/);
  });
});

describe('a client’s minimum identity level (yitong_required_ial)', () => {
  it('is set through the admin API, and any value other than a yitong:ial URI is refused naming the field', async () => {
    const token = await adminApiToken(stack, 'ial-console');
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${stack.urls.intranet}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const site = { department: 'housing', zone: 'public', redirect_uris: [CALLBACK] };
    const created = await admin('POST', '/clients', {
      ...site,
      client_name: 'Housing benefit',
      required_ial: 'urn:yitong:ial:2',
    });
    expect(created.status).toBe(201);
    const { client_id } = (await created.json()) as { client_id: string };
    const shown = (await (await admin('GET', `/clients/${client_id}`)).json()) as Record<string, unknown>;
    expect(shown.yitong_required_ial).toBe('urn:yitong:ial:2');
    const refused = await admin('POST', '/clients', {
      ...site,
      client_name: 'Housing benefit 2',
      required_ial: 'urn:yitong:ial:4',
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('required_ial');
  });

  it('is a rule Cedar enforces at sign-in: a proved person is let in, a self-asserted one is asked to prove it', async () => {
    await registerClient(stack, 'public', 'benefits-office', { yitong_required_ial: 'urn:yitong:ial:2' });
    const proved = await signInWith('benefits-office', zhang, { scope: 'openid' });
    expect(proved.idToken.sub).toBeDefined();

    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const ua = new UserAgent();
    const config = await clientConfig(stack, 'public', 'benefits-office');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    let page = await ua.follow(url.href, isCallback);
    page = await ua.submit(
      page,
      '/login',
      { username: person.username, password: person.password },
      isCallback,
    );
    if (page.html.includes('/protect"'))
      page = await ua.submit(page, '/protect', { choice: 'skip' }, isCallback);
    // Below the identity level the policy demands, the person is asked to prove their identity
    // (the step Cedar's lowest allowing level points to), and no code reaches the site.
    expect(isCallback(new URL(page.url))).toBe(false);
    expect(page.status).toBe(200);
    expect(page.html).toContain('/identity" novalidate');
    const denial = (await auditEvents(stack)).find(
      (e) => e.type === 'policy.denied' && e.actor === person.accountId,
    );
    expect(denial).toBeUndefined();
  });
});

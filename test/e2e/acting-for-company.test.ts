import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { claimClientName } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { companyWithAgent } from '../../testkit/companies.ts';
import { CALLBACK, clientConfig, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type SignInOptions, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';
import { startLogoutRecorder } from '../support/logout-recorder.ts';

let stack: LocalStack;
let rp: Awaited<ReturnType<typeof startLogoutRecorder>>;
let logoutTokens: string[] = [];
let rep: SignInOptions & { accountId: string };
let agent: SignInOptions & { accountId: string };
let company: Awaited<ReturnType<typeof companyWithAgent>>['company'];

/** A code + PKCE sign-in (asking for a refresh token) through the real pages; the tokens and what was offered. */
const signInAt = async (clientId: string, ua: UserAgent, who: SignInOptions) => {
  const config = await clientConfig(stack, 'public', clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  let offered: string[] | undefined;
  const callback = await signIn(ua, url.href, isCallback, {
    ...who,
    onActFor: (o) => {
      offered = o;
    },
  });
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
  return { config, tokens, claims: tokens.claims()!, offered };
};

/** The representative's browser signed in to the account portal, and the portal's CSRF token. */
const repSignedIn = async () => {
  const repUa = new UserAgent();
  const wallet = await signIn(
    repUa,
    `${stack.urls.public}/account/login`,
    (u) => u.pathname === '/account/licences',
    rep,
  );
  const csrf = /name="csrf" value="([^"]+)"/.exec((await repUa.request(wallet.href)).html)?.[1];
  return { repUa, csrf };
};

beforeAll(async () => {
  stack = await startTestStack({ memory: true, ports: { public: 0, extranet: 0, intranet: 0 } });
  // A department site that records the back-channel logout tokens it is sent.
  rp = await startLogoutRecorder();
  logoutTokens = rp.tokens;
  const rpUrl = rp.url;
  await registerClient(stack, 'public', 'tax-filing', {
    yitong_accepts_companies: true,
    backchannel_logout_uri: `${rpUrl}/backchannel-logout`,
    backchannel_logout_session_required: true,
  });
  await registerClient(stack, 'public', 'housing-permits', { yitong_accepts_companies: true });
  // Listed under a department, as the admin API registers them: the portal offers them to agents.
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  for (const clientId of ['tax-filing', 'housing-permits'])
    await claimClientName(doc, stack.tables.identity, 'tax', clientId, clientId);

  // The representative registers the company and authorises the agent for the tax filing site only.
  ({ rep, agent, company } = await companyWithAgent(stack, ['tax-filing']));
}, 60_000);
afterAll(async () => {
  await rp?.close();
  await stack?.stop();
});

describe('acting for a company', () => {
  const ua = new UserAgent();
  let atTax: Awaited<ReturnType<typeof signInAt>>;
  let refreshToken: string;

  it('lets an agent act for the company at the site their authorisation names: ID token and userinfo say so', async () => {
    atTax = await signInAt('tax-filing', ua, { ...agent, actFor: company.uscc });
    expect(atTax.offered).toEqual(['self', company.uscc]);
    const represents = atTax.claims.yitong_represents as Record<string, unknown>;
    expect(represents).toMatchObject({
      uscc: company.uscc,
      name: company.name,
      role: 'agent',
      scope: { all_sites: false, licence_types: [] },
    });
    // The company's id is pairwise, like the person's own sub, and is not the person's.
    expect(represents.company_id).toMatch(/^[\w-]{43}$/);
    expect(represents.company_id).not.toBe(atTax.claims.sub);
    const userinfo = await oidc.fetchUserInfo(atTax.config, atTax.tokens.access_token, atTax.claims.sub);
    expect(userinfo.yitong_represents).toEqual(represents);
    // The choice is kept with this site's grant: signing in there again in this browser asks nothing.
    const sameSite = await signInAt('tax-filing', ua, { ...agent, actFor: 'self' });
    expect(sameSite.offered).toBeUndefined();
    expect(sameSite.claims.yitong_represents).toEqual(represents);
    // Refreshing re-checks the authorisation: still live, still there.
    const refreshed = await oidc.refreshTokenGrant(atTax.config, atTax.tokens.refresh_token!);
    expect(refreshed.claims()?.yitong_represents).toEqual(represents);
    refreshToken = refreshed.refresh_token!;
  });

  it('does not offer the company at a site the authorisation does not name, and says nothing of it there', async () => {
    const atHousing = await signInAt('housing-permits', ua, { ...agent, actFor: company.uscc });
    expect(atHousing.offered).toBeUndefined();
    expect(atHousing.claims.yitong_represents).toBeUndefined();
  });

  it('discovery lists the representation claim', async () => {
    const meta = (await (await fetch(`${stack.urls.public}/.well-known/openid-configuration`)).json()) as {
      claims_supported: string[];
    };
    expect(meta.claims_supported).toContain('yitong_represents');
  });

  it('ends the agent’s company session at once when the representative revokes them, with back-channel logout', async () => {
    const { repUa, csrf } = await repSignedIn();
    expect(csrf).toBeDefined();
    const revoke = `${stack.urls.public}/account/companies/${company.uscc}/agents/${agent.accountId}/revoke`;
    // A form without the portal's CSRF token changes nothing.
    const forged = await repUa.request(revoke, { form: { csrf: 'forged' } });
    expect(forged.status).toBe(403);
    expect(logoutTokens).toHaveLength(0);

    const done = await repUa.request(revoke, { form: { csrf: csrf! } });
    expect(done.status).toBe(303);

    // The tax filing site got a signed logout token for the agent's session there.
    expect(logoutTokens).toHaveLength(1);
    const jwks = jose.createRemoteJWKSet(new URL(`${stack.urls.public}/jwks`));
    const { payload } = await jose.jwtVerify(logoutTokens[0]!, jwks, {
      issuer: stack.urls.public,
      audience: 'tax-filing',
    });
    expect(payload.sub).toBe(atTax.claims.sub);
    expect(payload.sid).toBe(atTax.claims.sid);
    expect(payload.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);

    // Its refresh token and access token are dead.
    await expect(oidc.refreshTokenGrant(atTax.config, refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(
      oidc.fetchUserInfo(atTax.config, atTax.tokens.access_token, atTax.claims.sub),
    ).rejects.toBeDefined();

    // Coming back, the agent may act only for themselves: nothing is offered, nothing claimed.
    const again = await signInAt('tax-filing', ua, { ...agent, actFor: company.uscc });
    expect(again.offered).toBeUndefined();
    expect(again.claims.yitong_represents).toBeUndefined();
    // A second revocation finds no live authorisation.
    const twice = await repUa.request(revoke, { form: { csrf: csrf! } });
    expect(twice.status).toBe(404);
  });

  it('the audit trail shows the person and the company they acted for', async () => {
    const trail = await auditEvents(stack);
    const ref = `company#${company.uscc}`;
    expect(trail).toContainEqual(
      expect.objectContaining({
        type: 'company.acted_for',
        actor: agent.accountId,
        onBehalfOf: ref,
        client: 'tax-filing',
        details: { role: 'agent' },
      }),
    );
    expect(trail).toContainEqual(
      expect.objectContaining({
        type: 'token.issued',
        actor: agent.accountId,
        onBehalfOf: ref,
        client: 'tax-filing',
      }),
    );
    expect(trail).toContainEqual(
      expect.objectContaining({
        type: 'company.agent_revoked',
        actor: rep.accountId,
        subject: agent.accountId,
        onBehalfOf: ref,
      }),
    );
    expect(trail).toContainEqual(
      expect.objectContaining({
        type: 'company.sessions_ended',
        outcome: 'success',
        actor: rep.accountId,
        subject: agent.accountId,
        onBehalfOf: ref,
        details: expect.objectContaining({ ended: 1, notified: 1, clients: ['tax-filing'] }),
      }),
    );
    // Nothing at the housing site was done for the company.
    expect(trail.filter((e) => e.client === 'housing-permits' && e.onBehalfOf !== undefined)).toEqual([]);
  });

  it('a re-grant with fewer sites ends the agent’s company sessions, and keeps the earlier grants as history', async () => {
    const { repUa, csrf } = await repSignedIn();
    const grant = (clients: readonly string[]) => {
      const form = new URLSearchParams({
        csrf: csrf!,
        agentName: '刘芳',
        residentId: DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!.residentId,
        until: new Date(Date.now() + 30 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10),
      });
      for (const c of clients) form.append('clients', c);
      return repUa.request(`${stack.urls.public}/account/companies/${company.uscc}/agents`, {
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    };
    // Authorised again (after the revocation) for both sites; the agent acts for the company at housing.
    expect((await grant(['tax-filing', 'housing-permits'])).status).toBe(303);
    const agentUa = new UserAgent();
    const atHousing = await signInAt('housing-permits', agentUa, { ...agent, actFor: company.uscc });
    expect(atHousing.claims.yitong_represents).toMatchObject({ uscc: company.uscc });

    // Narrowed to the tax site: the housing session acting for the company ends at once.
    expect((await grant(['tax-filing'])).status).toBe(303);
    await expect(
      oidc.refreshTokenGrant(atHousing.config, atHousing.tokens.refresh_token!),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const again = await signInAt('housing-permits', agentUa, { ...agent, actFor: company.uscc });
    expect(again.claims.yitong_represents).toBeUndefined();
    const trail = await auditEvents(stack);
    expect(
      trail.filter(
        (e) =>
          e.type === 'company.sessions_ended' &&
          (e.details as { clients?: string[] })?.clients?.[0] === 'housing-permits',
      ),
    ).toMatchObject([
      { actor: rep.accountId, subject: agent.accountId, onBehalfOf: `company#${company.uscc}` },
    ]);

    // The history: the first grant (revoked), the second (replaced) and the live one.
    const page = await repUa.request(`${stack.urls.public}/account/companies/${company.uscc}`);
    expect(page.html.match(new RegExp(`data-agent="${agent.accountId}"`, 'g'))).toHaveLength(3);
    expect(page.html.match(new RegExp(`agents/${agent.accountId}/revoke`, 'g'))).toHaveLength(1);
  });
});

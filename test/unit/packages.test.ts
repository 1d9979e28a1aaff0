import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CedarUid,
  clientEntities,
  PolicyEngine,
  requestContext,
  routeEntities,
  uniqueEntities,
  userEntities,
} from '../../libs/policy/index.ts';
import {
  type AccessTokenClaims,
  authorizerCaller,
  authorizerContext,
  checkRoute,
  MemoryDpopProofLog,
  type RouteRule,
} from '../../packages/access/src/index.ts';
import { emptyTrustCache, readTrustCache, trustSources } from '../../packages/licence-verifier/src/node.ts';

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.load();
});

const AUDIENCE = 'https://api.tax.gov.example';
const claimsOf = (who: { machine: boolean; loa: number; scopes: string[] }): AccessTokenClaims => ({
  sub: who.machine ? 'tax-batch' : 'pairwise-subject',
  clientId: who.machine ? 'tax-batch' : 'tax-app',
  scopes: who.scopes,
  acr: who.machine ? undefined : who.loa ? `urn:yitong:loa:${who.loa}` : 'something-else',
  amr: [],
  machine: who.machine,
  payload: {},
});

/** What yitong's authorizer asks Cedar for the same token and route (decideApiAccess, department API). */
const cedarAllows = (claims: AccessTokenClaims, rule: RouteRule) => {
  const principal = claims.machine
    ? clientEntities({ client_id: claims.clientId })
    : userEntities({
        id: claims.sub,
        kind: 'person',
        status: 'active',
        roles: [],
        identityAssurance: 'unknown',
        ial: 1,
      });
  const route = routeEntities({ id: 'GET /filings', area: 'department-api', zones: ['public'], ...rule });
  return engine.decide({
    principal: principal[0]!.uid as CedarUid,
    action: 'callApi',
    resource: route[0]!.uid as CedarUid,
    context: requestContext('public', claims),
    entities: uniqueEntities(principal, route),
  }).allowed;
};

describe('@yitong/access: the route rule of a department Lambda', () => {
  it('decides as the department-API policies do, for people at every level and machine clients, with and without the scope', () => {
    const rules: RouteRule[] = [{}, { scope: 'tax:read' }, { scope: 'tax:file', minLoa: 2 }, { minLoa: 3 }];
    let compared = 0;
    for (const rule of rules)
      for (const machine of [false, true])
        for (const loa of [0, 1, 2, 3])
          for (const scopes of [[], ['tax:read'], ['tax:read', 'tax:file']]) {
            const claims = claimsOf({ machine, loa, scopes });
            const decision = checkRoute(claims, rule, AUDIENCE);
            expect({ rule, machine, loa, scopes, allowed: decision.allowed }).toEqual({
              rule,
              machine,
              loa,
              scopes,
              allowed: cedarAllows(claims, rule),
            });
            compared++;
          }
    expect(compared).toBe(96);
  });

  it('names the missing scope, and the level a route needs', () => {
    expect(
      checkRoute(claimsOf({ machine: false, loa: 1, scopes: [] }), { scope: 'tax:read' }, AUDIENCE),
    ).toMatchObject({
      allowed: false,
      status: 403,
      missingScope: 'tax:read',
    });
    expect(
      checkRoute(
        claimsOf({ machine: false, loa: 1, scopes: ['tax:file'] }),
        { scope: 'tax:file', minLoa: 2 },
        AUDIENCE,
      ),
    ).toMatchObject({ allowed: false, status: 403, message: expect.stringMatching(/level 2/) });
  });
});

describe("@yitong/access: the caller behind yitong's authorizer", () => {
  it('reads back what the authorizer passes on, and nothing from an event that did not pass it', () => {
    const claims = claimsOf({ machine: false, loa: 2, scopes: ['tax:read', 'tax:file'] });
    const context = authorizerContext(claims, 'tax', ['role-department-api-user']);
    expect(
      authorizerCaller({ httpMethod: 'GET', path: '/filings', requestContext: { authorizer: context } }),
    ).toEqual({
      sub: 'pairwise-subject',
      clientId: 'tax-app',
      scopes: ['tax:read', 'tax:file'],
      acr: 'urn:yitong:loa:2',
      department: 'tax',
      policyIds: ['role-department-api-user'],
    });
    expect(authorizerCaller({ httpMethod: 'GET', path: '/filings' })).toBeUndefined();
    expect(
      authorizerCaller({ httpMethod: 'GET', path: '/filings', requestContext: { authorizer: {} } }),
    ).toBeUndefined();
  });

  it('accepts a DPoP proof once in one process, and again only after it expired', async () => {
    const log = new MemoryDpopProofLog();
    expect(await log.firstUse('jkt', 'jti-1', 1_000, 700)).toBe(true);
    expect(await log.firstUse('jkt', 'jti-1', 1_000, 999)).toBe(false);
    expect(await log.firstUse('other-key', 'jti-1', 1_000, 999)).toBe(true);
    expect(await log.firstUse('jkt', 'jti-1', 1_400, 1_000)).toBe(true);
  });
});

describe('@yitong/licence-verifier: trusted issuers and the cache', () => {
  const ISSUER = 'https://id.gov.example';
  const KEY = { kty: 'EC', crv: 'P-256', kid: 'k1', x: 'x', y: 'y' };
  /** An issuer's answers, as a verifier's fetch sees them. */
  const issuerAnswering = (metadataIssuer: string) => {
    const asked: string[] = [];
    const fetch = async (url: string | URL | Request) => {
      asked.push(String(url));
      if (String(url).endsWith('/.well-known/jwt-vc-issuer'))
        return Response.json({ issuer: metadataIssuer, jwks_uri: `${ISSUER}/licences/jwks` });
      if (String(url).endsWith('/licences/jwks')) return Response.json({ keys: [KEY] });
      return new Response('header.payload.signature');
    };
    return { asked, fetch: fetch as typeof globalThis.fetch };
  };

  it("takes an issuer's keys only when its metadata names it, and keeps them for offline use", async () => {
    const cache = emptyTrustCache();
    const honest = issuerAnswering(ISSUER);
    const online = trustSources({ trust: [`${ISSUER}/`], cache, fetch: honest.fetch, now: 100 });
    expect(await online.issuerKeys(ISSUER)).toEqual([KEY]);
    expect(await online.statusList(`${ISSUER}/licences/status/1`)).toEqual({
      token: 'header.payload.signature',
      fetchedAt: 100,
    });

    const offline = trustSources({
      cache: readTrustCache(JSON.parse(JSON.stringify(cache))),
      offline: true,
      fetch: (() => {
        throw new Error('offline must not fetch');
      }) as never,
    });
    expect(await offline.issuerKeys(ISSUER)).toEqual([KEY]);
    expect(await offline.statusList(`${ISSUER}/licences/status/1`)).toMatchObject({ fetchedAt: 100 });
    expect(await offline.issuerKeys('https://elsewhere.example')).toBeUndefined();

    const impostor = issuerAnswering('https://elsewhere.example');
    const fresh = emptyTrustCache();
    expect(
      await trustSources({ trust: [ISSUER], cache: fresh, fetch: impostor.fetch }).issuerKeys(ISSUER),
    ).toBeUndefined();
    expect(impostor.asked).toEqual([`${ISSUER}/.well-known/jwt-vc-issuer`]);
    expect(fresh.issuers).toEqual({});
    // An issuer nobody trusted is not even asked.
    const stranger = issuerAnswering('https://elsewhere.example');
    expect(
      await trustSources({ cache: fresh, fetch: stranger.fetch }).issuerKeys('https://elsewhere.example'),
    ).toBeUndefined();
    expect(stranger.asked).toEqual([]);
  });

  it('reads back a stored cache, dropping what is not one', () => {
    expect(readTrustCache('not json object')).toEqual(emptyTrustCache());
    expect(
      readTrustCache({
        issuers: {
          good: { jwks: { keys: [KEY] }, fetchedAt: 1 },
          bad: { jwks: { keys: 'none' }, fetchedAt: 1 },
        },
        statusLists: { ok: { token: 't', fetchedAt: 2 }, broken: { token: 3 } },
      }),
    ).toEqual({
      issuers: { good: { jwks: { keys: [KEY] }, fetchedAt: 1 } },
      statusLists: { ok: { token: 't', fetchedAt: 2 } },
    });
  });
});

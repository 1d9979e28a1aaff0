import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { OidcRegistry } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { DynamoCalls } from '../../testkit/dynamo-calls.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';

// DynamoDB calls per OIDC operation on the real local stack (issue #19, "Calls per operation"),
// counted by SDK middleware on the stack's store client: what AWS would bill, every call, the
// audit's own included (one put per event, and the detection counter of the event types that
// have one). The flow is the benchmark's (bench/token.ts): a confidential client of a department
// asks for its department's API (a resource indicator) besides `openid offline_access`, with
// `prompt=consent`, after one warm-up sign-in of the same person and the same API.
const counter = new DynamoCalls();
let stack: LocalStack;
let config: oidc.Configuration;

const GOALS = { login: 30, codeExchange: 6, refresh: 5 } as const;
const API = 'https://api.calls.gov.example';
const API_SCOPE = 'calls:read';

/** Every call since the reset; printed one a line. */
const report = (name: string) => {
  const calls = counter.calls;
  console.info(
    `${name}: ${calls.length} (${counter.breakdown()})\n` +
      calls.map((c) => `  ${c.op} ${c.table ?? ''} ${c.pk ?? c.index ?? ''}`).join('\n'),
  );
  return calls.length;
};

const authUrl = async (scope: string) => {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope,
    resource: API,
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url, verifier };
};

beforeAll(async () => {
  stack = await startTestStack({ configureDynamo: counter.configure });
  await registerClient(stack, 'public', 'calls-rp');
  // The client's own department's API, as the benchmark registers its API for its client.
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  await new OidcRegistry(doc, stack.tables.identity).putResourceServer({
    audience: API,
    name: 'Calls API',
    department: 'calls',
    scopes: [API_SCOPE],
    accessTokenTtl: 600,
    routes: {},
  });
  doc.destroy();
  config = await clientConfig(stack, 'public', 'calls-rp');
});
afterAll(() => stack?.stop());

describe('DynamoDB calls per OIDC operation', () => {
  it(`password login <= ${GOALS.login}, code exchange <= ${GOALS.codeExchange}, refresh <= ${GOALS.refresh}`, async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    // Warm: the first sign-in pays for lazy initialisation (client registry, keys, policies, the
    // API's registration). As in `npm run bench`, the same person, then a wider scope.
    await signIn(new UserAgent(), (await authUrl('openid')).url.href, isCallback, person);

    const { url, verifier } = await authUrl(`openid offline_access ${API_SCOPE}`);
    counter.reset();
    const callback = await signIn(new UserAgent(), url.href, isCallback, person);
    const login = report('login');

    counter.reset();
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    const codeExchange = report('code exchange');
    expect(tokens.refresh_token).toBeTruthy();
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: API, scope: API_SCOPE });

    counter.reset();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const refresh = report('refresh');
    expect(refreshed.access_token).toBeTruthy();

    expect({ login, codeExchange, refresh }).toEqual({
      login: Math.min(login, GOALS.login),
      codeExchange: Math.min(codeExchange, GOALS.codeExchange),
      refresh: Math.min(refresh, GOALS.refresh),
    });
  });
});

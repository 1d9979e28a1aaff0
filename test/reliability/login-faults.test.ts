import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { putClient } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

/** Fault injection: while `failing` names an operation, DynamoDB answers it with throttling. */
let failing: string | undefined;
const injectThrottling = (client: DynamoDBClient) => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (failing && context.commandName === failing) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ThrottlingException',
          $metadata: {},
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'yitongFaults' },
  );
};

let stack: LocalStack;
const CALLBACK = 'http://localhost:9/cb';
const isCallback = (url: URL) => url.href.startsWith(CALLBACK);
const SECRET = 'fault-client-secret-0123456789abcdef0123';

beforeAll(async () => {
  stack = await startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
    configureDynamo: injectThrottling,
  });
  await putClient(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity, {
    client_id: 'faulty',
    client_secret: SECRET,
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    yitong_zone: 'public',
    yitong_department: 'faults',
  });
});
afterAll(() => stack?.stop());

describe('a throttling store', () => {
  it('turns a sign-in into a clear 503 to retry, then lets the retry succeed and audits it once', async () => {
    const config = await oidc.discovery(
      new URL(stack.urls.public),
      'faulty',
      undefined,
      oidc.ClientSecretBasic(SECRET),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const ua = new UserAgent();
    const login = await ua.follow(url.href, isCallback);
    failing = 'PutItemCommand';
    const refused = await ua.submit(
      login,
      '/login',
      { username: 'zhang.san', password: 'demo-citizen-2026' },
      isCallback,
    );
    failing = undefined;
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.html).toContain('Nothing was lost');

    const callback = await signIn(ua, url.href, isCallback, {
      username: 'zhang.san',
      password: 'demo-citizen-2026',
    });
    failing = 'PutItemCommand';
    const busy = await oidc
      .authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier })
      .catch((err: unknown) => err);
    failing = undefined;
    const response = (busy as { cause?: Response }).cause!;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    const successes = (await auditEvents(stack)).filter(
      (e) => e.type === 'login.success' && e.client === 'faulty',
    );
    expect(successes).toHaveLength(1);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import * as oidc from 'openid-client';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../infra/local/seed.ts';
import { startLocalStack } from '../infra/local/stack.ts';
import { putClient } from '../libs/oidc/index.ts';
import { createDynamoClient } from '../libs/store/index.ts';
import { signIn, UserAgent } from '../testkit/user-agent.ts';
import { DynamoCallCounter } from './lib/dynamo-counter.ts';
import { startStoreProcess } from './lib/store-process.ts';

const CALLBACK = 'http://localhost:9/cb';
const isCallback = (url: URL) => url.href.startsWith(CALLBACK);
const SECRET = 'bench-secret-0123456789abcdef0123456789';

export interface TokenBenchResult {
  readonly codeExchangePerSecond: number;
  readonly refreshPerSecond: number;
  /** Requests per second of this process's CPU (client and server; the store runs apart). */
  readonly codeExchangePerCpuSecond: number;
  readonly refreshPerCpuSecond: number;
  readonly clientCredentialsPerSecond: number;
  readonly clientCredentialsPerCpuSecond: number;
  readonly calls?: {
    readonly login: string;
    readonly codeExchange: string;
    readonly refresh: string;
    readonly clientCredentials: string;
    readonly licenceIssue: string;
    readonly onlineVerify: string;
  };
}

/** Times `n` sequential calls: per wall-clock second, and per second of this process's CPU. */
const rate = async (
  n: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> => {
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await call(i);
  const used = process.cpuUsage(cpu);
  return { wall: n / ((performance.now() - start) / 1000), cpu: n / ((used.user + used.system) / 1e6) };
};

const pkceAuthUrl = async (config: oidc.Configuration, scope: string) => {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope,
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url, verifier };
};

/** With a session already open, each authorization request returns a code at once: mint `n` of them. */
const mintCodes = async (ua: UserAgent, config: oidc.Configuration, n: number) => {
  const codes: Array<{ callback: URL; verifier: string }> = [];
  for (let i = 0; i < n; i++) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const page = await ua.follow(url.href, isCallback);
    if (!isCallback(new URL(page.url)))
      throw new Error(`expected a code without interaction, got ${page.url}`);
    codes.push({ callback: new URL(page.url), verifier });
  }
  return codes;
};

const measure = async (
  config: oidc.Configuration,
  ua: UserAgent,
  firstRefresh: string,
  n: number,
  machine: { readonly config: oidc.Configuration; readonly params: Record<string, string> },
) => {
  const codes = await mintCodes(ua, config, n);
  const exchange = await rate(n, (i) =>
    oidc.authorizationCodeGrant(config, codes[i]!.callback, { pkceCodeVerifier: codes[i]!.verifier }),
  );
  let refresh = firstRefresh;
  const refreshing = await rate(n, async () => {
    refresh = (await oidc.refreshTokenGrant(config, refresh)).refresh_token!;
  });
  const credentials = await rate(n, () => oidc.clientCredentialsGrant(machine.config, machine.params));
  return {
    clientCredentialsPerSecond: credentials.wall,
    clientCredentialsPerCpuSecond: credentials.cpu,
    codeExchangePerSecond: exchange.wall,
    codeExchangePerCpuSecond: exchange.cpu,
    refreshPerSecond: refreshing.wall,
    refreshPerCpuSecond: refreshing.cpu,
  };
};

/** yitong's token endpoint through the local gateway (the deployed handler, DynamoDB API, argon2id logins). */
export const benchYitong = async (n: number): Promise<TokenBenchResult> => {
  const counter = new DynamoCallCounter();
  const store = process.env.DYNAMODB_ENDPOINT ? undefined : await startStoreProcess();
  const stack = await startLocalStack({
    dynamodbEndpoint: store?.endpoint,
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
    configureDynamo: counter.configure,
  });
  try {
    await putClient(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity, {
      client_id: 'bench',
      client_secret: SECRET,
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      yitong_zone: 'public',
      yitong_department: 'bench',
    });
    const config = await oidc.discovery(
      new URL(stack.urls.public),
      'bench',
      undefined,
      oidc.ClientSecretBasic(SECRET),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const ua = new UserAgent();
    const { url, verifier } = await pkceAuthUrl(config, 'openid offline_access');
    // Warm: the first login pays for lazy initialisation.
    await signIn(new UserAgent(), (await pkceAuthUrl(config, 'openid')).url.href, isCallback, {
      username: 'zhang.san',
      password: 'demo-citizen-2026',
    });
    counter.reset();
    const callback = await signIn(ua, url.href, isCallback, {
      username: 'zhang.san',
      password: 'demo-citizen-2026',
    });
    const login = `${counter.total()} (${counter.breakdown()})`;
    counter.reset();
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    const codeExchange = `${counter.total()} (${counter.breakdown()})`;
    counter.reset();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const refresh = `${counter.total()} (${counter.breakdown()})`;

    // A department's machine client: client credentials for the licence API, then one licence
    // issued and verified online, each counted.
    const demo = stack.demo.machineClients.find((c) => c.clientId === 'transport-registry')!;
    const machineConfig = await oidc.discovery(
      new URL(stack.urls.extranet),
      demo.clientId,
      undefined,
      oidc.ClientSecretBasic(demo.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const params = { resource: `${stack.urls.extranet}/licences`, scope: 'licences:issue' };
    await oidc.clientCredentialsGrant(machineConfig, params);
    counter.reset();
    const { access_token } = await oidc.clientCredentialsGrant(machineConfig, params);
    const clientCredentials = `${counter.total()} (${counter.breakdown()})`;
    const issue = (key: string) =>
      fetch(`${stack.urls.extranet}/licences`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${access_token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({
          type: 'driving-permit',
          holder: { loginName: 'zhang.san' },
          claims: DEMO_DRIVING_PERMIT_CLAIMS,
        }),
      });
    const verify = (credential: string) =>
      fetch(`${stack.urls.public}/licences/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ licence: credential, verifier: 'bench', purpose: 'counting calls' }),
      });
    await verify(((await (await issue('bench-warm')).json()) as { credential: string }).credential);
    counter.reset();
    const issued = (await (await issue('bench-counted')).json()) as { credential: string };
    const licenceIssue = `${counter.total()} (${counter.breakdown()})`;
    counter.reset();
    await (await verify(issued.credential)).arrayBuffer();
    const onlineVerify = `${counter.total()} (${counter.breakdown()})`;
    return {
      ...(await measure(config, ua, refreshed.refresh_token!, n, { config: machineConfig, params })),
      calls: { login, codeExchange, refresh, clientCredentials, licenceIssue, onlineVerify },
    };
  } finally {
    await stack.stop();
    await store?.stop();
  }
};

/** The baseline: oidc-provider as it comes, memory adapter and development interactions, on a plain HTTP server. */
export const benchBareProvider = async (n: number): Promise<TokenBenchResult> => {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'bench',
        client_secret: SECRET,
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      },
    ],
    features: { clientCredentials: { enabled: true } },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    pkce: { required: () => true },
    issueRefreshToken: async () => true,
    rotateRefreshToken: () => true,
  });
  server.on('request', provider.callback());
  try {
    const config = await oidc.discovery(new URL(issuer), 'bench', undefined, oidc.ClientSecretBasic(SECRET), {
      execute: [oidc.allowInsecureRequests],
    });
    const ua = new UserAgent();
    const { url, verifier } = await pkceAuthUrl(config, 'openid offline_access');
    let page = await ua.follow(url.href, isCallback);
    for (let i = 0; i < 4 && !isCallback(new URL(page.url)); i++) {
      const prompt = /name="prompt" value="(\w+)"/.exec(page.html)?.[1];
      const action = new URL(/action="([^"]+)"/.exec(page.html)![1]!, page.url).href;
      const res = await ua.request(action, {
        form:
          prompt === 'login'
            ? { prompt, login: 'bench-user', password: 'x' }
            : { prompt: prompt ?? 'consent' },
      });
      page = await ua.follow(action, isCallback, res);
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
      pkceCodeVerifier: verifier,
    });
    return await measure(config, ua, tokens.refresh_token!, n, { config, params: {} });
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
};

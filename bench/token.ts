/**
 * The token endpoint, yitong against bare oidc-provider doing the same work: the same
 * DynamoDB adapter (libs/oidc) on the same embedded store in a process of its own, ES256 keys,
 * JWT access tokens for a resource (RFC 8707), PKCE, rotating refresh tokens. A third target,
 * bare oidc-provider with the same configuration in memory, shows what storage alone costs.
 * Targets alternate run by run (the order reversed every other run), after a warm-up round.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import * as oidc from 'openid-client';
import { DEMO_DRIVING_PERMIT_CLAIMS, DEMO_ZHANG_SAN_ID } from '../infra/local/seed.ts';
import { startLocalStack } from '../infra/local/stack.ts';
import { dynamoAdapterFactory, OidcRegistry, putClient } from '../libs/oidc/index.ts';
import { createDynamoClient, ensureTables } from '../libs/store/index.ts';
import { signIn, UserAgent } from '../testkit/user-agent.ts';
import { DynamoCallCounter, type DynamoCost } from './lib/dynamo-counter.ts';
import { startStoreProcess } from './lib/store-process.ts';

const CALLBACK = 'http://localhost:9/cb';
const isCallback = (url: URL) => url.href.startsWith(CALLBACK);
const SECRET = 'bench-secret-0123456789abcdef0123456789';
/** The API the browser client's tokens are for: a JWT access token signed ES256, at both. */
const API = 'https://api.bench.gov.example';
const API_SCOPE = 'bench:read';

export type TimedGrant = 'codeExchange' | 'refresh' | 'clientCredentials';
export const TIMED_GRANTS: readonly TimedGrant[] = ['codeExchange', 'refresh', 'clientCredentials'];

/** Per run: requests per wall-clock second, and per second of this process's CPU. */
export type GrantSamples = Record<TimedGrant, { wall: number[]; cpu: number[] }>;

export type CostedOperation =
  | 'passwordLogin'
  | 'ssoLogin'
  | 'codeExchange'
  | 'refresh'
  | 'clientCredentials'
  | 'licenceIssue'
  | 'onlineVerify';

export interface TokenBenchResult {
  readonly runs: number;
  readonly requestsPerRun: number;
  readonly yitong: GrantSamples;
  /** Bare oidc-provider on the same adapter and store. */
  readonly bare: GrantSamples;
  /** Bare oidc-provider, same configuration, in memory. */
  readonly memory: GrantSamples;
  readonly costs: {
    readonly yitong: Record<CostedOperation, DynamoCost>;
    readonly bare: Partial<Record<CostedOperation, DynamoCost>>;
  };
  /** Operations the store answered without ConsumedCapacity (units computed instead). */
  readonly missingCapacity: string;
}

/** One token endpoint under test: everything a round needs, set up once. */
interface Target {
  readonly config: oidc.Configuration;
  readonly ua: UserAgent;
  refreshToken: string;
  readonly machine: { readonly config: oidc.Configuration; readonly params: Record<string, string> };
  stop(): Promise<void>;
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

const authUrl = async (config: oidc.Configuration, scope: string, prompt?: string) => {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope,
    resource: API,
    ...(prompt ? { prompt } : {}),
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url, verifier };
};

/** With a session open, an authorization request returns a code at once (single sign-on). */
const ssoCode = async (target: Pick<Target, 'ua' | 'config'>) => {
  const { url, verifier } = await authUrl(target.config, `openid ${API_SCOPE}`);
  const page = await target.ua.follow(url.href, isCallback);
  if (!isCallback(new URL(page.url))) throw new Error(`expected a code without interaction, got ${page.url}`);
  return { callback: new URL(page.url), verifier };
};

const exchange = async (config: oidc.Configuration, code: { callback: URL; verifier: string }) => {
  const tokens = await oidc.authorizationCodeGrant(config, code.callback, {
    pkceCodeVerifier: code.verifier,
  });
  if (tokens.access_token.split('.').length !== 3) throw new Error('expected a JWT access token');
  return tokens;
};

/** One round: `n` code exchanges (codes minted beforehand, untimed), `n` refreshes, `n` client credentials grants. */
const round = async (target: Target, n: number) => {
  const codes: Array<{ callback: URL; verifier: string }> = [];
  for (let i = 0; i < n; i++) codes.push(await ssoCode(target));
  const codeExchange = await rate(n, (i) => exchange(target.config, codes[i]!));
  const refresh = await rate(n, async () => {
    target.refreshToken = (await oidc.refreshTokenGrant(target.config, target.refreshToken)).refresh_token!;
  });
  const clientCredentials = await rate(n, () =>
    oidc.clientCredentialsGrant(target.machine.config, target.machine.params),
  );
  return { codeExchange, refresh, clientCredentials };
};

const discover = (issuer: string, clientId: string, secret: string) =>
  oidc.discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretBasic(secret), {
    execute: [oidc.allowInsecureRequests],
  });

/** The baseline provider: oidc-provider with the settings yitong's token endpoint depends on. */
const bareProvider = async (issuer: string, adapter: Configuration['adapter']) => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'bench-es256', alg: 'ES256', use: 'sig' };
  const signing = { alg: 'ES256' } as const;
  return new Provider(issuer, {
    ...(adapter ? { adapter } : {}),
    jwks: { keys: [jwk] },
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    clients: [
      {
        client_id: 'bench',
        client_secret: SECRET,
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: async () => ({
          scope: API_SCOPE,
          audience: API,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: signing },
        }),
      },
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    pkce: { required: () => true },
    issueRefreshToken: async () => true,
    rotateRefreshToken: () => true,
    // yitong's lifetimes.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 1800,
      Session: 8 * 3600,
      Grant: 14 * 86_400,
      RefreshToken: 14 * 86_400,
      ClientCredentials: 600,
    },
  });
};

const listen = async (): Promise<{ server: Server; issuer: string }> => {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { server, issuer: `http://localhost:${(server.address() as AddressInfo).port}` };
};

/** oidc-provider's development interactions: sign in as anyone, then consent. */
const devSignIn = async (ua: UserAgent, url: string): Promise<URL> => {
  let page = await ua.follow(url, isCallback);
  for (let i = 0; i < 4 && !isCallback(new URL(page.url)); i++) {
    const prompt = /name="prompt" value="(\w+)"/.exec(page.html)?.[1];
    const action = new URL(/action="([^"]+)"/.exec(page.html)![1]!, page.url).href;
    const res = await ua.request(action, {
      form:
        prompt === 'login' ? { prompt, login: 'bench-user', password: 'x' } : { prompt: prompt ?? 'consent' },
    });
    page = await ua.follow(action, isCallback, res);
  }
  if (!isCallback(new URL(page.url))) throw new Error(`the bare sign-in did not finish: ${page.url}`);
  return new URL(page.url);
};

/** Bare oidc-provider on a plain HTTP server; with `counter`, on the DynamoDB adapter. */
const startBare = async (
  store: { endpoint: string } | undefined,
  counter: DynamoCallCounter | undefined,
): Promise<{ target: Target; costs: Partial<Record<CostedOperation, DynamoCost>> }> => {
  const { server, issuer } = await listen();
  let adapter: Configuration['adapter'];
  let destroy: () => void = () => undefined;
  if (store) {
    const doc = createDynamoClient({ endpoint: store.endpoint, configure: counter?.configure });
    const tables = { identity: 'bare-identity', licences: 'bare-licences', audit: 'bare-audit' };
    await ensureTables(doc, tables);
    adapter = dynamoAdapterFactory({ doc, tableName: tables.identity });
    destroy = () => doc.destroy();
  }
  const provider = await bareProvider(issuer, adapter);
  server.on('request', provider.callback());
  const stop = async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    destroy();
  };
  try {
    const config = await discover(issuer, 'bench', SECRET);
    const ua = new UserAgent();
    const machine = { config, params: { resource: API, scope: API_SCOPE } };
    // Warm: the first sign-in pays for lazy initialisation.
    await devSignIn(new UserAgent(), (await authUrl(config, 'openid', 'consent')).url.href);
    const { url, verifier } = await authUrl(config, `openid offline_access ${API_SCOPE}`, 'consent');
    const costs: Partial<Record<CostedOperation, DynamoCost>> = {};
    let callback!: URL;
    const cost = async (name: CostedOperation, operation: () => Promise<unknown>) => {
      if (counter) costs[name] = await counter.measure(operation);
      else await operation();
    };
    await cost('passwordLogin', async () => {
      callback = await devSignIn(ua, url.href);
    });
    let tokens!: oidc.TokenEndpointResponse;
    await cost('codeExchange', async () => {
      tokens = await exchange(config, { callback, verifier });
    });
    await cost('refresh', async () => {
      tokens = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    });
    await oidc.clientCredentialsGrant(config, machine.params);
    await cost('clientCredentials', () => oidc.clientCredentialsGrant(config, machine.params));
    await cost('ssoLogin', () => ssoCode({ ua, config }));
    return { target: { config, ua, refreshToken: tokens.refresh_token!, machine, stop }, costs };
  } catch (err) {
    await stop();
    throw err;
  }
};

/** yitong's token endpoint through the local gateway (the deployed handler, DynamoDB API, argon2id logins). */
const startYitong = async (
  store: { endpoint: string },
  counter: DynamoCallCounter,
): Promise<{ target: Target; costs: Record<CostedOperation, DynamoCost> }> => {
  // Every signature the stack makes would be one KMS Sign call on AWS: count them by key.
  const signs = new Map<string, number>();
  const stack = await startLocalStack({
    dynamodbEndpoint: store.endpoint,
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
    configureDynamo: counter.configure,
    onSign: (purpose) => signs.set(purpose, (signs.get(purpose) ?? 0) + 1),
  });
  const measure = async (operation: () => Promise<unknown>): Promise<DynamoCost> => {
    signs.clear();
    const cost = await counter.measure(operation);
    const total = [...signs.values()].reduce((a, b) => a + b, 0);
    const by = [...signs.entries()].map(([purpose, n]) => `${purpose} ${n}`).join(', ');
    return { ...cost, kmsSigns: total ? `${total} (${by})` : '0', kmsSignCount: total };
  };
  try {
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    await new OidcRegistry(doc, stack.tables.identity).putResourceServer({
      audience: API,
      name: 'Bench API',
      department: 'bench',
      scopes: [API_SCOPE],
      accessTokenTtl: 600,
      routes: {},
    });
    await putClient(doc, stack.tables.identity, {
      client_id: 'bench',
      client_secret: SECRET,
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      yitong_zone: 'public',
      yitong_department: 'bench',
    });
    doc.destroy();
    const config = await discover(stack.urls.public, 'bench', SECRET);
    const account = { username: 'zhang.san', password: 'demo-citizen-2026' };
    const ua = new UserAgent();
    // Warm: the first sign-in pays for lazy initialisation.
    await signIn(new UserAgent(), (await authUrl(config, 'openid', 'consent')).url.href, isCallback, account);
    const { url, verifier } = await authUrl(config, `openid offline_access ${API_SCOPE}`, 'consent');
    let callback!: URL;
    const passwordLogin = await measure(async () => {
      callback = await signIn(ua, url.href, isCallback, account);
    });
    let tokens!: oidc.TokenEndpointResponse;
    const codeExchange = await measure(async () => {
      tokens = await exchange(config, { callback, verifier });
    });
    const refresh = await measure(async () => {
      tokens = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    });
    const ssoLogin = await measure(() => ssoCode({ ua, config }));

    // A department's machine client: client credentials for the licence API (a JWT), then one
    // licence issued and verified online, each costed.
    const demo = stack.demo.machineClients.find((c) => c.clientId === 'transport-registry')!;
    const machineConfig = await discover(stack.urls.extranet, demo.clientId, demo.secret);
    const params = { resource: `${stack.urls.extranet}/licences`, scope: 'licences:issue' };
    await oidc.clientCredentialsGrant(machineConfig, params);
    let accessToken = '';
    const clientCredentials = await measure(async () => {
      accessToken = (await oidc.clientCredentialsGrant(machineConfig, params)).access_token;
    });
    const issue = async (key: string) => {
      const res = await fetch(`${stack.urls.extranet}/licences`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({
          type: 'driving-permit',
          holder: { residentId: DEMO_ZHANG_SAN_ID },
          claims: DEMO_DRIVING_PERMIT_CLAIMS,
        }),
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`licence issue failed: ${res.status}`);
      return ((await res.json()) as { credential: string }).credential;
    };
    const verify = async (credential: string) => {
      const res = await fetch(`${stack.urls.public}/licences/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ licence: credential, verifier: 'bench', purpose: 'counting calls' }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`online verification failed: ${res.status}`);
    };
    await verify(await issue('bench-warm'));
    let credential = '';
    const licenceIssue = await measure(async () => {
      credential = await issue('bench-counted');
    });
    const onlineVerify = await measure(() => verify(credential));
    return {
      target: {
        config,
        ua,
        refreshToken: tokens.refresh_token!,
        machine: { config: machineConfig, params },
        stop: () => stack.stop(),
      },
      costs: {
        passwordLogin,
        ssoLogin,
        codeExchange,
        refresh,
        clientCredentials,
        licenceIssue,
        onlineVerify,
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
};

const emptySamples = (): GrantSamples => ({
  codeExchange: { wall: [], cpu: [] },
  refresh: { wall: [], cpu: [] },
  clientCredentials: { wall: [], cpu: [] },
});

/**
 * `runs` rounds of `n` requests per grant at each target, alternating; one warm-up round per
 * target first, not recorded. The store runs in a process of its own, shared by yitong and
 * the bare provider on the adapter (tables of their own).
 */
export const benchTokens = async (runs: number, n: number): Promise<TokenBenchResult> => {
  const store = await startStoreProcess();
  const yitongCounter = new DynamoCallCounter();
  const bareCounter = new DynamoCallCounter();
  const started: Target[] = [];
  try {
    const yitong = await startYitong(store, yitongCounter);
    started.push(yitong.target);
    const bare = await startBare(store, bareCounter);
    started.push(bare.target);
    const memory = await startBare(undefined, undefined);
    started.push(memory.target);
    const targets = [
      { target: yitong.target, samples: emptySamples() },
      { target: bare.target, samples: emptySamples() },
      { target: memory.target, samples: emptySamples() },
    ];
    for (const { target } of targets) await round(target, Math.max(5, Math.ceil(n / 4)));
    for (let run = 0; run < runs; run++) {
      const order = run % 2 ? [...targets].reverse() : targets;
      for (const { target, samples } of order) {
        const result = await round(target, n);
        for (const grant of TIMED_GRANTS) {
          samples[grant].wall.push(result[grant].wall);
          samples[grant].cpu.push(result[grant].cpu);
        }
      }
    }
    return {
      runs,
      requestsPerRun: n,
      yitong: targets[0]!.samples,
      bare: targets[1]!.samples,
      memory: targets[2]!.samples,
      costs: { yitong: yitong.costs, bare: bare.costs },
      missingCapacity: [yitongCounter.missingCapacity(), bareCounter.missingCapacity()]
        .filter(Boolean)
        .join('; '),
    };
  } finally {
    for (const target of started.reverse()) await target.stop();
    await yitongCounter.destroy();
    await bareCounter.destroy();
    await store.stop();
  }
};

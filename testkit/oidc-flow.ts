import * as oidc from 'openid-client';
import type { LocalStack } from '../infra/local/stack.ts';
import { AccountStore, newTotpSecret, type Role } from '../libs/accounts/index.ts';
import type { Zone } from '../libs/config/index.ts';
import { putClient } from '../libs/oidc/index.ts';
import { createDynamoClient } from '../libs/store/index.ts';
import { type SignInOptions, signIn, UserAgent } from './user-agent.ts';

export const CALLBACK = 'http://localhost:9/cb';
export const isCallback = (url: URL) => url.href.startsWith(CALLBACK);
const insecure = { execute: [oidc.allowInsecureRequests] };
const secretOf = (clientId: string) => `${clientId}-secret-${'x'.repeat(32)}`;

/**
 * Registers a confidential test client (client_secret_basic) of one zone, as an administrator
 * would. It may obtain tokens for its department's APIs only; pass `yitong_resources` (e.g.
 * `['admin']`) in `extra` for the APIs an administrator granted it.
 */
export const registerClient = (
  stack: LocalStack,
  zone: Zone,
  clientId: string,
  extra: Record<string, unknown> = {},
) =>
  putClient(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity, {
    client_id: clientId,
    client_secret: secretOf(clientId),
    client_name: clientId,
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    yitong_zone: zone,
    yitong_department: clientId.split('-')[0]!,
    ...extra,
  });

/** The openid-client view of a test client, discovered from its zone's issuer. */
export const clientConfig = (stack: LocalStack, zone: Zone, clientId: string, secret = secretOf(clientId)) =>
  oidc.discovery(new URL(stack.urls[zone]), clientId, undefined, oidc.ClientSecretBasic(secret), insecure);

/** A full code + PKCE sign-in to any registered client (its own secret), then the code exchange. */
export const signInTo = async (
  stack: LocalStack,
  zone: Zone,
  client: { readonly clientId: string; readonly secret: string },
  who: SignInOptions,
) => {
  const config = await clientConfig(stack, zone, client.clientId, client.secret);
  return codeFlow(config, who);
};

/**
 * A code + PKCE sign-in through the real pages with any openid-client configuration (however
 * the client authenticates), then the code exchange: returns the tokens.
 */
export const codeFlow = async (
  config: oidc.Configuration,
  who: SignInOptions,
  params: Record<string, string> = {},
) => {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  const callback = await signIn(new UserAgent(), url.href, isCallback, who);
  return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
};

/**
 * A full code + PKCE sign-in through the real pages, then the code exchange: returns the
 * tokens. `resource` asks for a JWT access token for that API.
 */
export const tokensFor = async (
  stack: LocalStack,
  zone: Zone,
  clientId: string,
  who: SignInOptions,
  options: {
    readonly resource?: string;
    readonly scope?: string;
    readonly ua?: UserAgent;
    readonly dpop?: (config: oidc.Configuration) => oidc.DPoPHandle;
  } = {},
) => {
  const config = await clientConfig(stack, zone, clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: options.scope ?? 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(options.resource ? { resource: options.resource } : {}),
  });
  const callback = await signIn(options.ua ?? new UserAgent(), url.href, isCallback, who);
  return oidc.authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier: verifier, expectedState: state },
    options.resource ? { resource: options.resource } : undefined,
    options.dpop ? { DPoP: options.dpop(config) } : undefined,
  );
};

/**
 * An admin API access token: a new administrator (with TOTP) signs in through an intranet
 * client an administrator granted the admin API (`clientId`, registered here).
 */
export const adminApiToken = async (stack: LocalStack, clientId: string): Promise<string> => {
  await registerClient(stack, 'intranet', clientId, { yitong_resources: ['admin'] });
  const person = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
  const tokens = await tokensFor(stack, 'intranet', clientId, person, {
    resource: `${stack.urls.intranet}/admin`,
    scope: 'openid admin',
  });
  return tokens.access_token;
};

let people = 0;

/** A fresh account (TOTP enrolled when asked), so each sign-in has its own one-time codes. */
export const createPerson = async (
  stack: LocalStack,
  spec: {
    readonly kind?: 'citizen' | 'company' | 'staff';
    readonly roles: readonly Role[];
    readonly department?: string;
    readonly totp: boolean;
    readonly status?: 'active' | 'disabled';
  },
): Promise<SignInOptions & { readonly accountId: string }> => {
  const store = new AccountStore(
    createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tables.identity,
  );
  people += 1;
  const loginName = `person-${people}-${Date.now().toString(36)}`;
  const password = `correct horse ${loginName}`;
  let account = await store.create({
    loginName,
    password,
    displayName: loginName,
    kind: spec.kind ?? 'staff',
    roles: [...spec.roles],
    department: spec.department,
    identityAssurance: 'verified',
  });
  const totpSecret = spec.totp ? newTotpSecret() : undefined;
  if (totpSecret || spec.status) {
    account = await store.update(account, {
      ...(totpSecret
        ? {
            totp: { secret: totpSecret, enabledAt: new Date().toISOString(), lastStep: 0, recoveryCodes: [] },
          }
        : {}),
      ...(spec.status ? { status: spec.status } : {}),
    });
  }
  return { username: loginName, password, totpSecret, accountId: account.id };
};

/** A demo machine client's access token for the licence API of a zone (client credentials). */
export const machineToken = async (
  stack: LocalStack,
  clientId = 'transport-registry',
  zone: Zone = 'extranet',
): Promise<string> => {
  const client = stack.demo.machineClients.find((c) => c.clientId === clientId)!;
  const config = await oidc.discovery(
    new URL(stack.urls[zone]),
    clientId,
    undefined,
    oidc.ClientSecretBasic(client.secret),
    insecure,
  );
  const tokens = await oidc.clientCredentialsGrant(config, {
    resource: `${stack.urls[zone]}/licences`,
    scope: 'licences:issue',
  });
  return tokens.access_token;
};

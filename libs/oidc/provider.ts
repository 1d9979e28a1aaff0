import { createPublicKey, type KeyObject } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Provider, { type Configuration, ExternalSigningKey } from 'oidc-provider';
import type { Zone } from '../config/index.ts';
import type { Signer } from '../keys/index.ts';
import { dynamoAdapterFactory } from './adapter.ts';

/** Lets oidc-provider sign through our Signer port, so the private key can stay in KMS. */
export class SignerSigningKey extends ExternalSigningKey {
  readonly #signer: Signer;
  readonly #publicKey: KeyObject;

  constructor(signer: Signer) {
    super();
    this.#signer = signer;
    this.#publicKey = createPublicKey({ key: { ...signer.publicJwk }, format: 'jwk' });
  }

  override get kid(): string {
    return this.#signer.kid;
  }

  override get alg(): string {
    return this.#signer.alg;
  }

  override keyObject(): KeyObject {
    return this.#publicKey;
  }

  override async sign(data: Buffer): Promise<Buffer> {
    return Buffer.from(await this.#signer.sign(data));
  }
}

export interface ProviderDeps {
  readonly zone: Zone;
  readonly issuer: string;
  readonly doc: DynamoDBDocumentClient;
  readonly identityTable: string;
  readonly idTokenSigner: Signer;
  readonly cookieKeys: readonly string[];
}

const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Plain, self-contained error page; the login capability replaces it with the styled one. */
const errorPage = (out: { error?: unknown; error_description?: unknown }): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><main>` +
  `<h1>Sign-in could not continue</h1><p><strong>${escapeHtml(out.error)}</strong>: ${escapeHtml(out.error_description)}</p>` +
  `</main></body></html>`;

const SIGNING_ALGS = ['ES256'] as const;

/**
 * The zone's OpenID provider. Every zone is its own issuer (its base URL); all zones share
 * the identity table. Login and consent pages arrive with the login capability: until then
 * an authorization request ends at an interaction URL that this provider does not serve.
 */
export const createProvider = (deps: ProviderDeps): Provider => {
  const secure = new URL(deps.issuer).protocol === 'https:';
  const configuration: Configuration = {
    adapter: dynamoAdapterFactory({ doc: deps.doc, tableName: deps.identityTable }),
    jwks: { keys: [new SignerSigningKey(deps.idTokenSigner)] },
    cookies: {
      keys: [...deps.cookieKeys],
      long: { httpOnly: true, sameSite: 'lax', secure },
      short: { httpOnly: true, sameSite: 'lax', secure },
    },
    features: {
      devInteractions: { enabled: false },
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      introspection: { enabled: true },
      revocation: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    // Code flow only: no implicit or hybrid responses put tokens in the front channel.
    responseTypes: ['code'],
    clientAuthMethods: ['private_key_jwt', 'client_secret_basic', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: [...SIGNING_ALGS],
      userinfoSigningAlgValues: [...SIGNING_ALGS],
      introspectionSigningAlgValues: [...SIGNING_ALGS],
      authorizationSigningAlgValues: [...SIGNING_ALGS],
      clientAuthSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: 'ES256',
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    clients: [],
    findAccount: async () => undefined,
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
    acrValues: ['urn:yitong:loa:1', 'urn:yitong:loa:2', 'urn:yitong:loa:3'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], acr: ['acr'] },
  };
  const provider = new Provider(deps.issuer, configuration);
  // API Gateway (and locally the gateway) terminates TLS and forwards X-Forwarded-* headers.
  provider.proxy = true;
  return provider;
};

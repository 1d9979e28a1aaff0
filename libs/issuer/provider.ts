import { createHmac, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Provider, {
  type Configuration,
  ExternalSigningKey,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
  type Account as OidcAccount,
} from 'oidc-provider';
import { type AccountStore, ialOf, isClosed } from '../accounts/index.ts';
import type { Zone } from '../config/index.ts';
import { DepartmentStore } from '../departments/index.ts';
import { isTransient } from '../http/index.ts';
import {
  type ActingStore,
  type CompanyStore,
  coversClient,
  EVIDENCE_SUPPORTED,
  IDENTITY_SCOPE,
  loadVerifiedClaims,
  requiredIal,
  TRUST_FRAMEWORK,
  VERIFIED_CLAIM_NAMES,
} from '../identity/index.ts';
import type { Signer } from '../keys/index.ts';
import {
  ACR_VALUES,
  type BackchannelQueue,
  browserOriginsOf,
  CLIENT_AUTH_METHODS,
  ClientNameTakenError,
  type ClientProblem,
  claimClientName,
  clientAccessProblems,
  clientSecretMatches,
  consumeRegistrationToken,
  DEPARTMENT_REGISTRATION_POLICY,
  departmentClientProblems,
  describeProblems,
  dynamoAdapterFactory,
  FIRST_PARTY_CLIENT_IDS,
  grantedResources,
  isBrowserOrigin,
  isHashedClientSecret,
  loaOf,
  newClientSecret,
  type OidcRegistry,
  oidcItemKey,
  PLATFORM_DEPARTMENT,
  privilegedMetadataProblems,
  RegistrationTokenRefusedError,
  registrationTokenIdOf,
  registrationTokenOf,
  registrationTokenRefusal,
  releaseClientName,
  rememberDelivery,
  requiredLoa,
  SELF_SERVICE_YITONG_METADATA,
} from '../oidc/index.ts';
import type { AccessControl, PolicyClient } from '../policy/index.ts';
import { OWN_API_SCOPES } from '../policy/index.ts';
import type { ItemKey } from '../store/index.ts';

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

/**
 * Client metadata yitong adds to OIDC's: the zone a client is pinned to, its department, its
 * minimum level, and the APIs an administrator granted it (`yitong_resources`, see
 * `grantedResources`) — never settable by dynamic registration.
 */
export const CLIENT_EXTRA_METADATA = [
  'yitong_zone',
  'yitong_department',
  'yitong_required_acr',
  // The minimum identity assurance level (urn:yitong:ial:N); read by the sign-in, which asks
  // the person to prove their identity below it.
  'yitong_required_ial',
  'yitong_disabled',
  'yitong_resources',
  'yitong_accepts_companies',
] as const;

/**
 * The claim a site gets next to the person's own `sub` when the person acts for a company there
 * (docs/identity.md, "Acting for a company").
 */
export const REPRESENTS_CLAIM = 'yitong_represents';

export interface RepresentsClaim {
  /** The company's identifier for this department: pairwise, like `sub`. */
  readonly company_id: string;
  readonly name: string;
  readonly uscc: string;
  readonly role: 'legal-representative' | 'agent';
  readonly scope: {
    /** The legal representative acts at every site that accepts companies; an agent at the sites named. */
    readonly all_sites: boolean;
    readonly licence_types: readonly string[];
    /** When an agent's authorisation ends. */
    readonly until?: string;
  };
}

const representations = new WeakMap<object, string>();

/** The company (`company#<USCC>`) this request's tokens or claims acted for, if any (read by the protocol audit). */
export const representedIn = (ctx: object): string | undefined => representations.get(ctx);

/** Why a token was refused for an audience, kept on the request so it is audited once. */
export interface AudienceRefusal {
  readonly client: string;
  readonly resource: string;
  readonly reason: string;
}
const refusals = new WeakMap<object, AudienceRefusal>();

/** The audience refusal of this request, if any (read by the protocol audit). */
export const audienceRefusalOf = (ctx: object): AudienceRefusal | undefined => refusals.get(ctx);

export interface ProviderDeps {
  readonly zone: Zone;
  readonly issuer: string;
  readonly doc: DynamoDBDocumentClient;
  readonly identityTable: string;
  readonly idTokenSigner: Signer;
  readonly cookieKeys: readonly string[];
  readonly accounts: AccountStore;
  readonly registry: OidcRegistry;
  /** The zone and role policies every sign-in passes before a code is issued. */
  readonly access: AccessControl;
  /** Secret salt of pairwise subject identifiers; stable for the life of the system. */
  readonly pairwiseSalt: string;
  /** Pages for errors and logout, in the caller's language. */
  readonly pages: {
    error(ctx: KoaContextWithOIDC, out: { error?: unknown; error_description?: unknown }): string;
    logout(ctx: KoaContextWithOIDC, form: string): string;
    loggedOut(ctx: KoaContextWithOIDC): string;
    /** Device flow (the CLI): enter the code, confirm it, done. */
    deviceCodeInput(ctx: KoaContextWithOIDC, form: string, error?: string): string;
    deviceCodeConfirm(
      ctx: KoaContextWithOIDC,
      form: string,
      userCode: string,
      request: DeviceRequest,
    ): string;
    deviceDone(ctx: KoaContextWithOIDC): string;
  };
  /**
   * Local mode only: lets the provider's own requests (back-channel logout, jwks_uri) reach
   * sites on loopback, which its SSRF protection otherwise refuses. Never set on AWS.
   */
  readonly allowLoopbackRequests?: boolean;
  /** Delays between back-channel logout attempts to one client. @default [250, 1000] */
  readonly backchannelRetryDelaysMs?: readonly number[];
  /** On AWS: logout notifications go to this queue and are delivered from it, with retries and a DLQ. */
  readonly backchannelQueue?: BackchannelQueue;
  /**
   * The companies people represent, and which one each sign-in acts for at each site: at a
   * site that accepts companies the person is asked (the `yitong_company` prompt), and the ID
   * token and userinfo carry `yitong_represents`. Without it nobody acts for a company.
   */
  readonly companies?: { readonly companies: CompanyStore; readonly acting: ActingStore };
}

/** What a device sign-in asks for, as the confirmation page names it. */
export interface DeviceRequest {
  readonly clientName: string;
  /**
   * The department's names, for `departmentName` in the page's language (its id when it has no
   * record; yitong's own for the platform's clients, such as the CLI).
   */
  readonly department: { readonly name: string; readonly nameEn?: string };
  readonly scopes: readonly string[];
  /** Resource indicators (RFC 8707) the tokens would be for. */
  readonly resources: readonly string[];
}

const SIGNING_ALGS = ['ES256'] as const;

/** Endpoints a client calls itself (CORS is decided per client there); discovery and JWKS stay open. */
const CLIENT_CORS_PATHS = new Set([
  '/token',
  '/me',
  '/token/introspection',
  '/token/revocation',
  '/device/auth',
  '/request',
]);

/** yitong's own APIs: their resource indicator is `<issuer>/<path>`. */
export const OWN_APIS = Object.entries(OWN_API_SCOPES).map(([path, scope]) => ({ path, scope }));
/** A loaded client with yitong's metadata, as the stored registration types it. */
type ClientWithExtras = { clientId: string; sectorIdentifier?: string } & Partial<
  Record<'yitong_zone' | 'yitong_department' | 'yitong_required_acr' | 'yitong_required_ial', string>
> & { yitong_disabled?: boolean; yitong_resources?: unknown; yitong_accepts_companies?: boolean };

/**
 * The zone's OpenID provider. Every zone is its own issuer (its base URL); all zones share
 * the identity table; a client is pinned to one zone and invalid in the others.
 */
export const createProvider = (deps: ProviderDeps): Provider => {
  const departments = new DepartmentStore(deps.doc, deps.identityTable);
  /**
   * oidc-provider may ask for one account several times in a request (the policy check, then
   * findAccount, then the claims): read it once per request, never across requests.
   */
  const accountOf = async (ctx: unknown, id: string) => {
    const holder = ctx as { yitongAccounts?: Map<string, Awaited<ReturnType<AccountStore['findById']>>> };
    holder.yitongAccounts ??= new Map();
    if (!holder.yitongAccounts.has(id)) holder.yitongAccounts.set(id, await deps.accounts.findById(id));
    return holder.yitongAccounts.get(id);
  };

  const secure = new URL(deps.issuer).protocol === 'https:';
  // Behind an API stage without a custom domain the issuer has a path; our pages live under it.
  const basePath = new URL(deps.issuer).pathname.replace(/\/$/, '');

  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('yitong_acr', 'a higher level of assurance is required', (ctx) => {
      const client = ctx.oidc.client as unknown as ClientWithExtras | undefined;
      const required = requiredLoa(client?.yitong_required_acr, ctx.oidc.params?.acr_values);
      return Boolean(ctx.oidc.session?.accountId) && loaOf(ctx.oidc.session?.acr) < required;
    }),
  );
  // Single sign-on skips the login pages, so the zone and role policies are a check of their
  // own: a session that may not use this client (or only at a higher level) is sent back to
  // the interaction, which steps up or explains the refusal. No code is issued before it passes.
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'yitong_policy',
      'the zone and role policies refuse this sign-in',
      async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        const client = ctx.oidc.client;
        if (!accountId || !client) return false;
        const account = await accountOf(ctx, accountId);
        if (!account) return true;
        const verdict = await deps.access.login(
          { ...account, ial: ialOf(account) },
          client.metadata() as PolicyClient,
          {
            acr: ctx.oidc.session?.acr,
            amr: ctx.oidc.session?.amr,
          },
        );
        return !verdict.decision.allowed;
      },
    ),
  );

  // A site that needs a verified identity (its minimum IAL, or verified_claims asked for in the
  // claims parameter) sends a signed-in person whose account is below it back to the
  // interaction, which asks them to prove their identity: never a refusal for it.
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('yitong_ial', 'a verified identity is required', async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const client = ctx.oidc.client as unknown as ClientWithExtras | undefined;
      if (!accountId || !client) return false;
      const need = requiredIal(client.yitong_required_ial, ctx.oidc.params?.claims);
      if (need < 2) return false;
      const account = await accountOf(ctx, accountId);
      return !account || ialOf(account) < need;
    }),
  );

  // At a site that accepts companies, a person who may act for one there chooses, once per
  // site and sign-in, whether to act for it or for themselves (after consent, so the grant the
  // choice is kept with exists). functions/oidc/steps/company.ts asks.
  const companies = deps.companies;
  if (companies) {
    policy.add(
      new interactionPolicy.Prompt(
        { name: 'yitong_company', requestable: false },
        new interactionPolicy.Check('yitong_company_choice', 'choose whom to act for', async (ctx) => {
          const accountId = ctx.oidc.session?.accountId;
          const client = ctx.oidc.client as unknown as ClientWithExtras | undefined;
          const grantId = ctx.oidc.entities.Grant?.jti;
          if (!accountId || !client?.yitong_accepts_companies || !grantId) return false;
          if (await companies.acting.choiceOf(grantId)) return false;
          const options = await companies.companies.representations(accountId);
          return options.some((r) => coversClient(r, client.clientId));
        }),
      ),
    );
  }

  /** The company id a department sees: pairwise, as `sub` is for people. */
  const companyIdFor = (client: ClientWithExtras, uscc: string) =>
    createHmac('sha256', deps.pairwiseSalt)
      .update(`${client.yitong_department ?? client.sectorIdentifier ?? client.clientId}|company#${uscc}`)
      .digest('base64url');

  /**
   * The representation this grant's sign-in chose, re-checked against the company store now
   * (at the token endpoint, on every refresh and at userinfo): a revoked, expired or narrowed
   * authorisation, or a closed company, yields none.
   */
  const representsClaimOf = async (
    ctx: KoaContextWithOIDC,
    accountId: string,
    grantId: string | undefined,
  ): Promise<RepresentsClaim | undefined> => {
    const client = ctx.oidc?.client as unknown as ClientWithExtras | undefined;
    if (!companies || !grantId || !client?.yitong_accepts_companies) return undefined;
    const choice = await companies.acting.choiceOf(grantId);
    if (!choice?.uscc || choice.accountId !== accountId || choice.clientId !== client.clientId)
      return undefined;
    const r = await companies.companies.representation(accountId, choice.uscc);
    if (!r || !coversClient(r, client.clientId)) return undefined;
    representations.set(ctx, `company#${r.company.uscc}`);
    return {
      company_id: companyIdFor(client, r.company.uscc),
      name: r.company.name,
      uscc: r.company.uscc,
      role: r.role,
      scope:
        r.role === 'legal-representative'
          ? { all_sites: true, licence_types: [] }
          : { all_sites: false, licence_types: [...(r.scope?.licenceTypes ?? [])], until: r.until },
    };
  };

  // yitong's own APIs under this issuer: their tokens name the account, so the API can load
  // today's roles and status; department APIs only ever see the pairwise subject.
  const ownApis = new Map<string, (typeof OWN_APIS)[number]>(
    OWN_APIS.map((api) => [`${deps.issuer.replace(/\/$/, '')}/${api.path}`, api]),
  );

  const configuration: Configuration = {
    adapter: dynamoAdapterFactory({
      doc: deps.doc,
      tableName: deps.identityTable,
      replayError: (message) => new errors.InvalidGrant(message),
      // Redeeming a code or refresh token reads its grant, its account and (extraTokenClaims)
      // the client's department next: one call for the three, as fresh as reading each.
      readAhead: async (_model, payload) => {
        const keys: ItemKey[] = [];
        if (typeof payload.grantId === 'string') keys.push(oidcItemKey('Grant', payload.grantId));
        if (typeof payload.accountId === 'string') keys.push(deps.accounts.itemKey(payload.accountId));
        const client =
          typeof payload.clientId === 'string' ? await provider.Client.find(payload.clientId) : undefined;
        const department = (client as unknown as ClientWithExtras | undefined)?.yitong_department;
        if (department && department !== PLATFORM_DEPARTMENT) keys.push(departments.itemKey(department));
        return keys;
      },
    }),
    jwks: { keys: [new SignerSigningKey(deps.idTokenSigner)] },
    cookies: {
      // The zone's own cookie keys: every zone shares the session store, and a browser sends
      // localhost cookies to every port (a stolen cookie, to any host). Signed with keys of its
      // own, a session another zone made never verifies here: each zone signs people in itself.
      keys: deps.cookieKeys.map((key) =>
        Buffer.from(hkdfSync('sha256', key, 'yitong oidc cookies', `zone|${deps.zone}`, 32)).toString(
          'base64url',
        ),
      ),
      long: { httpOnly: true, sameSite: 'lax', secure },
      short: { httpOnly: true, sameSite: 'lax', secure },
    },
    features: {
      devInteractions: { enabled: false },
      // Sites may ask for claims one by one (OpenID Connect Core 5.5), and for `verified_claims`
      // (OpenID Connect for Identity Assurance 1.0, which oidc-provider has no feature of its own
      // for: the claim is built in findAccount, and only released with the `identity` scope).
      claimsParameter: {
        enabled: true,
        assertClaimsParameter: async (_ctx, claims) => {
          const problem = (await loadVerifiedClaims()).verifiedClaimsRequestProblem(claims);
          if (problem) throw new errors.InvalidRequest(problem);
        },
      },
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      introspection: { enabled: true },
      // Department machine clients (licence issuance, department APIs): tokens for a resource only.
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      // The CLI signs administrators in with the device authorization grant (RFC 8628).
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, form, _out, err) => {
          ctx.type = 'html';
          ctx.body = deps.pages.deviceCodeInput(
            ctx,
            form,
            err
              ? String((err as { error_description?: string }).error_description ?? err.message)
              : undefined,
          );
        },
        // The person must see who asks, for whom and for what before they let a device in.
        userCodeConfirmSource: async (ctx, form, client, _deviceInfo, userCode) => {
          const departmentId = (client as unknown as ClientWithExtras).yitong_department ?? '';
          const department = departmentId
            ? await new DepartmentStore(deps.doc, deps.identityTable).get(departmentId)
            : undefined;
          const params = (ctx.oidc.entities.DeviceCode?.params ?? {}) as {
            scope?: unknown;
            resource?: unknown;
          };
          ctx.type = 'html';
          ctx.body = deps.pages.deviceCodeConfirm(ctx, form, userCode, {
            clientName: client.clientName ?? client.clientId,
            // yitong's own clients (the CLI) belong to the platform, which has no department record.
            department: department
              ? { name: department.name, nameEn: department.nameEn }
              : departmentId === PLATFORM_DEPARTMENT
                ? { name: '一通', nameEn: 'yitong' }
                : { name: departmentId },
            scopes: String(params.scope ?? '')
              .split(' ')
              .filter(Boolean),
            resources: [params.resource].flat().filter((r): r is string => typeof r === 'string'),
          });
        },
        successSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = deps.pages.deviceDone(ctx);
        },
      },
      // Departments register their own clients (RFC 7591) with an initial access token an
      // administrator issued them, and manage them (RFC 7592) with each client's own token.
      registration: {
        enabled: true,
        initialAccessToken: true,
        issueRegistrationAccessToken: true,
        // Secrets are made in one place, alike for administrators and for self-service.
        secretFactory: () => newClientSecret(),
        policies: {
          [DEPARTMENT_REGISTRATION_POLICY]: (ctx, properties) =>
            departmentRegistrationPolicy(deps, ctx, properties as Record<string, unknown>),
        },
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      dPoP: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = deps.pages.logout(ctx, form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = deps.pages.loggedOut(ctx);
        },
      },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        // An allow-list per client (RFC 8707 leaves the policy to the server): yitong's own APIs
        // only for the clients granted them, a department's API only for that department's
        // clients and those granted it. Consulted at authorization, PAR, device authorization
        // and every token grant — a refresh too, so a client that lost an API stops at once.
        getResourceServerInfo: async (ctx, resource, client) => {
          const extras = client as unknown as ClientWithExtras;
          const granted = grantedResources(extras);
          const refuse = (reason: string): never => {
            refusals.set(ctx, { client: client.clientId, resource, reason });
            throw new errors.InvalidTarget(reason);
          };
          const own = ownApis.get(resource);
          if (own) {
            if (!granted.includes(own.path))
              refuse(`${client.clientId} may not obtain tokens for yitong's ${own.path} API`);
            return {
              scope: own.scope,
              audience: resource,
              accessTokenTTL: 600,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            };
          }
          const server = await deps.registry.findResourceServer(resource);
          if (!server) return refuse(`${resource} is not a registered resource server`);
          if (server.department !== extras.yitong_department && !granted.includes(server.audience))
            refuse(
              `${client.clientId} may not obtain tokens for ${server.name}: it belongs to ${server.department}, which has not granted it to this client`,
            );
          return {
            scope: server.scopes.join(' '),
            audience: server.audience,
            accessTokenTTL: server.accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    // Only a browser client (a public client) calls the token endpoints from a page, and only
    // from the web origins of its redirect URIs. Preflights are judged before oidc-provider
    // sees them (below), as it cannot know the client of a preflight.
    clientBasedCORS: (_ctx, origin, client) => {
      const metadata = client.metadata();
      return (
        origin !== 'null' && metadata.yitong_disabled !== true && browserOriginsOf(metadata).includes(origin)
      );
    },
    // Code flow only: no implicit or hybrid responses put tokens in the front channel.
    responseTypes: ['code'],
    clientAuthMethods: [...CLIENT_AUTH_METHODS],
    enabledJWA: {
      idTokenSigningAlgValues: [...SIGNING_ALGS],
      userinfoSigningAlgValues: [...SIGNING_ALGS],
      introspectionSigningAlgValues: [...SIGNING_ALGS],
      authorizationSigningAlgValues: [...SIGNING_ALGS],
      clientAuthSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
      dPoPSigningAlgValues: ['ES256', 'EdDSA'],
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: 'ES256',
      subject_type: 'pairwise',
    },
    subjectTypes: ['public', 'pairwise'],
    // One identifier per department: two sites of one department see the same sub, two departments never do.
    pairwiseIdentifier: async (_ctx, accountId, client) => {
      const sector =
        (client as unknown as ClientWithExtras).yitong_department ??
        client.sectorIdentifier ??
        client.clientId;
      return createHmac('sha256', deps.pairwiseSalt).update(`${sector}|${accountId}`).digest('base64url');
    },
    extraClientMetadata: {
      properties: [...CLIENT_EXTRA_METADATA],
      validator: (_ctx, key, value, metadata) => {
        if (key === 'yitong_zone' && value !== deps.zone) {
          throw new errors.InvalidClientMetadata(
            `this client belongs to the ${String(value)} zone, not ${deps.zone}`,
          );
        }
        // Every time a client is loaded, however it was stored: the rules of who may obtain
        // what hold, so a registration that slipped past them (or predates them) cannot be used.
        if (key === 'yitong_zone') {
          const problems = clientAccessProblems(metadata, {
            firstParty: FIRST_PARTY_CLIENT_IDS.has(String(metadata.client_id)),
          });
          if (problems.length) throw new errors.InvalidClientMetadata(describeProblems(problems));
        }
        if (
          key === 'yitong_resources' &&
          value !== undefined &&
          !(Array.isArray(value) && value.every((v) => typeof v === 'string'))
        ) {
          throw new errors.InvalidClientMetadata('yitong_resources must be a list of API names or audiences');
        }
        if (key === 'yitong_required_acr' && value !== undefined && !ACR_VALUES.includes(String(value))) {
          throw new errors.InvalidClientMetadata(
            `yitong_required_acr must be one of ${ACR_VALUES.join(', ')}`,
          );
        }
      },
    },
    // The level and methods of the sign-in travel with every access token, so APIs decide on them.
    extraTokenClaims: async (ctx, token) => {
      // Every token a client is issued passes here (code, refresh, client credentials, device
      // code): a suspended client, or a client of a suspended department, gets none, though it
      // still authenticates. (One read of the department: a suspension holds at once. Clients
      // registered before departments were recorded have none, and keep working.)
      const issuedTo = ctx.oidc.client as unknown as ClientWithExtras | undefined;
      if (issuedTo?.yitong_disabled === true)
        throw new errors.InvalidClient('this client is suspended: ask its department’s administrator');
      const department = issuedTo?.yitong_department;
      if (department && department !== PLATFORM_DEPARTMENT) {
        const record = await departments.get(department);
        if (record && record.status !== 'active')
          throw new errors.InvalidClient(
            `the ${department} department is suspended: its clients get no tokens`,
          );
      }
      const source =
        ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.DeviceCode ?? ctx.oidc.entities.RefreshToken;
      const claims: Record<string, unknown> = {};
      if (source?.acr) claims.acr = source.acr;
      if (source?.amr?.length) claims.amr = source.amr;
      const audience = (token as { resourceServer?: { audience?: string } }).resourceServer?.audience;
      const accountId = (token as { accountId?: string }).accountId;
      if (audience && ownApis.has(audience) && accountId) claims.yitong_account = accountId;
      return claims;
    },
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 1800,
      Session: 8 * 3600,
      Grant: 14 * 86_400,
      RefreshToken: 14 * 86_400,
      PushedAuthorizationRequest: 60,
      ClientCredentials: 600,
    },
    interactions: { url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}`, policy },
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const client = ctx.oidc.client;
      if (!accountId || !client) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(client.clientId);
      if (grantId) {
        // A grant ended from outside (an agent's authorisation revoked) starts afresh below.
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        if (grant) return grant;
      }
      // Consent is remembered per client across sessions.
      const scopes = await deps.registry.consentedScopes(accountId, client.clientId);
      if (!scopes.length) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId: client.clientId });
      grant.addOIDCScope(scopes.join(' '));
      // The identity scope is what releases verified_claims: a request for them by the claims
      // parameter is covered by that consent, and asks nothing again.
      if (scopes.includes(IDENTITY_SCOPE)) grant.addOIDCClaims(['verified_claims']);
      await grant.save();
      return grant;
    },
    findAccount: async (ctx, sub, token) => {
      const account = await accountOf(ctx, sub);
      // A disabled account, or a password change or reset, ends every session and token from before it.
      const since = token?.iat ?? ctx.oidc?.session?.loginTs;
      const stale = typeof since === 'number' && account !== undefined && since < account.sessionsValidAfter;
      // A closed account (its cooling-off over) is as good as deleted: nothing of it is used again.
      if (account?.status !== 'active' || stale || isClosed(account)) {
        // For a browser session, forget who was signed in so the person is asked to sign in again.
        // (The session proxy refuses an empty accountId but allows removing it: the login
        // prompt then sees no session, and the next sign-in sets it afresh.)
        const session = ctx.oidc?.session as { accountId?: string } | undefined;
        if (!token && session?.accountId === sub) delete session.accountId;
        return undefined;
      }
      const found = account!;
      const grantId = (token as { grantId?: string } | undefined)?.grantId;
      const result: OidcAccount = {
        accountId: sub,
        claims: async (use, scope, requested) => {
          // Only with the identity scope granted, and only for a proved identity (IAL 2 or 3).
          const scopes = String(scope ?? '').split(' ');
          const verified =
            found.identity && scopes.includes(IDENTITY_SCOPE)
              ? (await loadVerifiedClaims()).verifiedClaimsOf(found.identity, {
                  scopes,
                  request: (requested as Record<string, unknown> | undefined)?.verified_claims,
                })
              : undefined;
          const represents = await representsClaimOf(ctx, sub, grantId);
          return {
            sub,
            name: found.displayName,
            preferred_username: found.loginName,
            ...(found.email ? { email: found.email } : {}),
            ...(verified && (use === 'id_token' || use === 'userinfo') ? { verified_claims: verified } : {}),
            ...(represents ? { [REPRESENTS_CLAIM]: represents } : {}),
          };
        },
      };
      return result;
    },
    acrValues: [...ACR_VALUES],
    claims: {
      // Every site learns how strongly the person signed in, not only those that asked.
      // Acting for a company is the person's own choice at this site: every site that accepts
      // companies learns it, with the openid scope, as it learns `sub`.
      openid: ['sub', 'acr', 'amr', 'auth_time', REPRESENTS_CLAIM],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      // A proved identity (OpenID Connect for Identity Assurance): see libs/identity/verified-claims.ts.
      [IDENTITY_SCOPE]: ['verified_claims'],
    },
    // Sites read who signed in from the ID token; they need not call userinfo for the granted claims.
    conformIdTokenClaims: false,
    scopes: ['openid', 'offline_access', 'profile', 'email', IDENTITY_SCOPE],
    // OpenID Connect for Identity Assurance 1.0 provider metadata (its section 8).
    discovery: {
      verified_claims_supported: true,
      trust_frameworks_supported: [TRUST_FRAMEWORK],
      evidence_supported: [...EVIDENCE_SUPPORTED],
      documents_supported: ['idcard'],
      documents_check_methods_supported: ['vpip'],
      electronic_records_supported: ['population_register', 'mobile_phone_register'],
      claims_in_verified_claims_supported: [...VERIFIED_CLAIM_NAMES],
    },
    ...(deps.allowLoopbackRequests
      ? {
          fetch: (url: string | URL | Request, options?: RequestInit) => {
            const { dispatcher: _ssrfGuard, ...rest } = (options ?? {}) as RequestInit & {
              dispatcher?: unknown;
            };
            return globalThis.fetch(url, rest);
          },
        }
      : {}),
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = deps.pages.error(ctx, out);
    },
  };
  const provider = new Provider(deps.issuer, configuration);
  // API Gateway (and locally the gateway) terminates TLS and forwards X-Forwarded-* headers.
  provider.proxy = true;
  // API Gateway appends the caller's address to any X-Forwarded-For the caller sent: trust only the last.
  provider.maxIpsCount = 1;

  // oidc-provider answers every CORS preflight with the caller's origin, since a preflight
  // names no client. Here a preflight to an endpoint clients call is answered only for the web
  // origin of a browser client registered at this issuer; any other origin gets a refusal.
  provider.use(async (ctx, next) => {
    const origin = ctx.get('Origin');
    if (ctx.method !== 'OPTIONS' || !origin || !ctx.get('Access-Control-Request-Method')) return next();
    const path = basePath && ctx.path.startsWith(`${basePath}/`) ? ctx.path.slice(basePath.length) : ctx.path;
    if (!CLIENT_CORS_PATHS.has(path)) return next();
    let allowed: boolean;
    try {
      allowed = await isBrowserOrigin(deps.doc, deps.identityTable, deps.zone, origin, async (id) => {
        try {
          return (await provider.Client.find(id))?.metadata();
        } catch (err: unknown) {
          if (isTransient(err)) throw err;
          return undefined; // a client that no longer loads welcomes nobody
        }
      });
    } catch (err: unknown) {
      if (!isTransient(err)) throw err;
      // A busy store is a reason to retry the preflight, not a server fault.
      ctx.status = 503;
      ctx.set('retry-after', '1');
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: 'the service is busy; retry in a second',
      };
      return;
    }
    if (allowed) return next();
    ctx.vary('Origin');
    ctx.status = 403;
    ctx.type = 'json';
    ctx.body = {
      error: 'invalid_request',
      error_description: `${origin} is not the web origin of a browser client registered at this issuer`,
    };
  });

  storeClientSecretsHashed(provider);

  // Back-channel logout is the only way other sites learn of a logout: retry a failed delivery.
  const delays = deps.backchannelRetryDelaysMs ?? [250, 1000];
  const prototype = provider.Client.prototype as unknown as {
    backchannelLogout: (sub: string, sid: string) => Promise<void>;
  };
  const deliver = prototype.backchannelLogout;
  const queue = deps.backchannelQueue;
  if (queue) {
    rememberDelivery(provider, deliver);
    prototype.backchannelLogout = async function enqueue(
      this: { clientId: string },
      sub: string,
      sid: string,
    ) {
      await queue.enqueue({ clientId: this.clientId, sub, sid });
    };
    return provider;
  }
  prototype.backchannelLogout = async function retrying(this: unknown, ...args: [string, string]) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await deliver.apply(this, args);
      } catch (err: unknown) {
        if (attempt >= delays.length) throw err;
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
      }
    }
  };
  return provider;
};

/** RFC 7591's error for bad metadata, with a description that says what to fix. */
const metadataRefusal = (problems: readonly ClientProblem[]) => {
  // A redirect URI has its own error code (the class's own description is about authorization requests).
  const refusal = problems[0]?.field.startsWith('redirect_uris')
    ? new errors.InvalidRedirectUri()
    : new errors.InvalidClientMetadata(describeProblems(problems));
  refusal.error_description = describeProblems(problems);
  return refusal;
};
const tokenRefusal = (description: string) => {
  const refusal = new errors.InvalidToken();
  refusal.error_description = description;
  return refusal;
};

/**
 * The registration policy of department self-service: the client belongs to the department
 * the initial access token was issued for (or, on an update, the one it already belongs to),
 * in this issuer's zone only if the department may use it; it follows the same client rules as
 * the admin API; yitong's own metadata is computed here or kept, never taken from the request
 * (a department may only demand a higher level for its own client); names are unique within
 * the department; and only then does the registration use up one use of its token, atomically.
 */
const departmentRegistrationPolicy = async (
  deps: ProviderDeps,
  ctx: KoaContextWithOIDC,
  properties: Record<string, unknown>,
): Promise<void> => {
  const initial = ctx.oidc.entities.InitialAccessToken;
  const existing = ctx.oidc.entities.Client;
  const current = (existing?.metadata() ?? {}) as Record<string, unknown>;
  // A suspended client stays as its administrators left it: its own token changes nothing.
  if (current.yitong_disabled === true)
    throw new errors.InvalidClientMetadata('this client is suspended: only an administrator changes it now');
  let department: string | undefined;
  let zones: readonly string[] = [];
  let tokenId: string | undefined;
  if (initial) {
    tokenId = registrationTokenIdOf(initial.jti);
    const token = await registrationTokenOf(deps.doc, deps.identityTable, tokenId);
    const refused = registrationTokenRefusal(token);
    if (refused || !token) throw tokenRefusal(refused ?? 'unknown initial access token');
    department = token.department;
    zones = token.zones;
  } else if (typeof current.yitong_department === 'string') {
    department = current.yitong_department;
    zones = [deps.zone];
  }
  if (!department) throw new errors.InvalidClientMetadata('the client has no department');
  const record = await new DepartmentStore(deps.doc, deps.identityTable).get(department);
  if (record?.status !== 'active')
    throw new errors.InvalidClientMetadata(`the ${department} department is suspended or no longer exists`);
  if (properties.yitong_department !== undefined && properties.yitong_department !== department)
    throw new errors.InvalidClientMetadata(
      `yitong_department: this token manages clients of ${department} only`,
    );
  if (!zones.includes(deps.zone) || !record.zones.includes(deps.zone))
    throw new errors.InvalidClientMetadata(
      `${department} may register clients in the ${record.zones.join(', ')} zone(s) with this token, not at the ${deps.zone} issuer`,
    );
  // yitong's metadata as yitong sets it: kept from the client as it is, with its department and zone.
  const kept: Record<string, unknown> = Object.fromEntries(
    Object.entries(current).filter(
      ([key]) => key.startsWith('yitong_') && !SELF_SERVICE_YITONG_METADATA.has(key),
    ),
  );
  Object.assign(kept, {
    yitong_department: department,
    yitong_zone: deps.zone,
    yitong_disabled: current.yitong_disabled === true,
  });
  const privileged = privilegedMetadataProblems(properties, kept);
  if (privileged.length) throw metadataRefusal(privileged);
  for (const key of Object.keys(properties))
    if (key.startsWith('yitong_') && !SELF_SERVICE_YITONG_METADATA.has(key)) delete properties[key];
  Object.assign(properties, kept);

  const problems = departmentClientProblems(properties, { localMode: deps.allowLoopbackRequests === true });
  if (problems.length) throw metadataRefusal(problems);
  if (typeof properties.client_name !== 'string' || properties.client_name.trim().length < 2)
    throw new errors.InvalidClientMetadata(
      'client_name: give the name people will see, at least 2 characters',
    );
  // The provider's own checks, before anything is written or a use of the token is spent.
  await (ctx.oidc.provider.Client as unknown as { validate(m: unknown): Promise<void> }).validate(
    structuredClone(properties),
  );
  const clientId = String(properties.client_id);
  try {
    await claimClientName(deps.doc, deps.identityTable, department, properties.client_name, clientId);
  } catch (err: unknown) {
    if (err instanceof ClientNameTakenError) throw new errors.InvalidClientMetadata(err.message);
    throw err;
  }
  if (!tokenId) return;
  try {
    await consumeRegistrationToken(deps.doc, deps.identityTable, tokenId);
  } catch (err: unknown) {
    if (!(err instanceof RegistrationTokenRefusedError)) throw err;
    await releaseClientName(deps.doc, deps.identityTable, department, properties.client_name);
    throw tokenRefusal(err.message);
  }
};

type RequestWithBody = KoaContextWithOIDC['req'] & { body?: unknown };

/**
 * Client secrets are stored hashed (see client-secret.ts, and the adapter that hashes on every
 * write). oidc-provider compares `client_secret` in two places, and shows the stored value in
 * RFC 7592 answers; each is taken care of here:
 * - client_secret_basic and client_secret_post: `Client#compareClientSecret` (oidc-provider's one
 *   comparison for both) compares the hash of what was presented;
 * - an RFC 7592 update that repeats the secret: replaced, when it matches, by the stored hash,
 *   which is what oidc-provider then compares it with;
 * - RFC 7592 reads and updates answer without the hash. A secret is shown once: in the answer
 *   to the registration that made it (oidc-provider has it in clear only then).
 */
const storeClientSecretsHashed = (provider: Provider): void => {
  const prototype = provider.Client.prototype as unknown as {
    compareClientSecret: (actual: string) => Promise<boolean> | boolean;
  };
  prototype.compareClientSecret = function compare(this: { clientSecret?: string }, actual: string) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  provider.use(async (ctx, next) => {
    const update = /\/reg\/([^/]+)$/.exec(ctx.path);
    if (ctx.method === 'PUT' && update && ctx.is('application/json')) {
      await repeatStoredSecret(provider, ctx as KoaContextWithOIDC, decodeURIComponent(update[1]!));
    }
    await next();
    const route = (ctx as KoaContextWithOIDC).oidc?.route;
    const body = ctx.body as Record<string, unknown> | undefined;
    if ((route === 'client' || route === 'client_update') && isHashedClientSecret(body?.client_secret)) {
      delete body!.client_secret;
    }
  });
};

const repeatStoredSecret = async (provider: Provider, ctx: KoaContextWithOIDC, clientId: string) => {
  const req = ctx.req as RequestWithBody;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.from(chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8') || String(req.body ?? '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    req.body = Buffer.from(text); // oidc-provider answers the malformed body itself
    return;
  }
  const body = parsed as Record<string, unknown>;
  if (typeof body?.client_secret === 'string') {
    const client = (await provider.Client.find(clientId)) as unknown as { clientSecret?: string } | undefined;
    if (client?.clientSecret && clientSecretMatches(client.clientSecret, body.client_secret)) {
      body.client_secret = client.clientSecret;
    }
  }
  // The stream is read: oidc-provider takes the body from here instead.
  req.body = Buffer.from(JSON.stringify(body));
};

import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as oidc from 'openid-client';
import * as z from 'zod';
import { type Account, highestLoa, isClosed, provesStrongestFactor } from '../accounts/index.ts';
import type { AppConfig } from '../config/index.ts';
import { DomainError, NotFoundError } from '../errors/index.ts';
import { currentSecret, type SecretStore } from '../keys/index.ts';
import type { FirstPartyPortalSpec } from '../oidc/index.ts';
import { cookiesOf } from '../web/index.ts';

/** What a portal needs of its function's runtime: its config, its secrets and the cookie keys. */
export interface PortalRuntime {
  readonly config: AppConfig;
  readonly secrets: SecretStore;
  readonly cookieKeys: readonly string[];
}

const MAX_FORM_BYTES = 8 * 1024;
const LOGIN_SECONDS = 600;
/** How long a sign-in counts as fresh for a sensitive change in the account centre (issue #21). */
export const FRESH_SIGN_IN_SECONDS = 300;
const ACRS = ['urn:yitong:loa:1', 'urn:yitong:loa:2', 'urn:yitong:loa:3'] as const;

/**
 * A signed-in person of a first-party portal: who, until when, how they proved it, and which
 * portal of which zone the session is for (a session opens only the portal that made it).
 */
export const PortalSession = z.object({
  aud: z.string(),
  zone: z.string(),
  sub: z.string(),
  exp: z.number(),
  /** When the person signed in at the issuer (`auth_time`): a password change after it ends the session. */
  authTime: z.number(),
  csrf: z.string(),
  idToken: z.string().optional(),
  acr: z.string().optional(),
  amr: z.array(z.string()).optional(),
});
export type PortalSession = z.infer<typeof PortalSession>;

const LoginState = z.object({
  state: z.string(),
  verifier: z.string(),
  nonce: z.string(),
  returnTo: z.string(),
});

/** A page-level refusal with its status (bad form, expired sign-in). */
export class PageProblem extends DomainError {
  readonly code = 'PAGE';
  readonly title = 'Page';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PortalOptions {
  /** Which portal: its client id, zone, path and secret (registered by its zone's issuer). */
  readonly spec: FirstPartyPortalSpec;
  /** Where a fresh sign-in lands when it was not started from a page. */
  readonly home: string;
  /** Cookie name prefix (session and pending sign-in). */
  readonly cookie: string;
  readonly sessionSeconds?: number;
}

/**
 * A first-party web portal of one zone's issuer (the citizen account portal, the security
 * console), registered by that issuer at its start: signs people in with the authorization code flow
 * and PKCE, keeps the session in a sealed, HttpOnly cookie, checks a CSRF token on every
 * form, and signs out through the issuer.
 */
export class FirstPartyPortal {
  readonly basePath: string;
  private readonly secure: boolean;
  private readonly redirectUri: string;
  private readonly sessionSeconds: number;
  private oidcConfig: Promise<oidc.Configuration> | undefined;
  private portalKeys: readonly Buffer[] | undefined;

  constructor(
    private readonly runtime: PortalRuntime,
    private readonly options: PortalOptions,
  ) {
    const issuer = runtime.config.issuer;
    this.basePath = new URL(issuer).pathname.replace(/\/$/, '');
    this.secure = new URL(issuer).protocol === 'https:';
    this.redirectUri = `${issuer}${options.spec.path}/callback`;
    this.sessionSeconds = options.sessionSeconds ?? 3600;
  }

  /** Whether this function's zone is the portal's own (the consoles are intranet-only). */
  get servesThisZone(): boolean {
    return this.runtime.config.zone === this.options.spec.zone;
  }

  /**
   * Outside its zone a portal has no pages: its client is refused by that zone's issuer, so
   * sending anyone to sign in there could only end in an error page with protocol details.
   */
  private onlyInOwnZone(): void {
    if (!this.servesThisZone) throw new NotFoundError(`${this.options.spec.path} is not served in this zone`);
  }

  /**
   * The sealed session of a request for this portal, unexpired. Pages use `liveSessionOf`,
   * which also checks that the account's sessions were not ended since.
   */
  private sessionOf(event: APIGatewayProxyEvent): PortalSession | undefined {
    const session = this.unseal(PortalSession, cookiesOf(event)[this.sessionCookie]);
    const { clientId, zone } = this.options.spec;
    return session &&
      session.aud === clientId &&
      session.zone === zone &&
      session.exp > Math.floor(Date.now() / 1000)
      ? session
      : undefined;
  }

  /**
   * The session of a request with the account it names, if both are still good: the account is
   * active and its sessions were not ended (a password change or reset, a disabled account)
   * after this sign-in, as the issuer's own sessions and tokens end then.
   */
  async liveSessionOf(
    event: APIGatewayProxyEvent,
    accounts: { findById(id: string): Promise<Account | undefined> },
  ): Promise<{ readonly session: PortalSession; readonly account: Account } | undefined> {
    const session = this.sessionOf(event);
    const account = session && (await accounts.findById(session.sub));
    return session &&
      account?.status === 'active' &&
      !isClosed(account) &&
      session.authTime >= account.sessionsValidAfter
      ? { session, account }
      : undefined;
  }

  /**
   * Whether the session's sign-in is fresh enough for a sensitive change (a factor, the password,
   * contact details, closing the account): within `FRESH_SIGN_IN_SECONDS`, at the account's
   * highest level, with its strongest factor.
   */
  isFresh(session: PortalSession, account: Account, now: number = Math.floor(Date.now() / 1000)): boolean {
    const level = Number(/^urn:yitong:loa:([123])$/.exec(session.acr ?? '')?.[1] ?? 0);
    return (
      now - session.authTime <= FRESH_SIGN_IN_SECONDS &&
      level >= highestLoa(account) &&
      provesStrongestFactor(account, session.amr ?? [])
    );
  }

  /**
   * Sends the person to sign in again at their account's highest level, then back to `returnTo`
   * (a page of this portal, e.g. `/account/security`): what a sensitive change asks first.
   */
  freshSignIn(account: Account, returnTo: string): APIGatewayProxyResult {
    this.onlyInOwnZone();
    const query = new URLSearchParams({ fresh: '1', acr: ACRS[highestLoa(account) - 1]!, returnTo });
    return this.redirect(`${this.basePath}${this.options.spec.path}/login?${query}`);
  }

  /** Starts a sign-in at the issuer, remembering where to come back to. */
  async login(event: APIGatewayProxyEvent, lang: string): Promise<APIGatewayProxyResult> {
    this.onlyInOwnZone();
    const state = oidc.randomState();
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const asked = event.queryStringParameters?.returnTo ?? '';
    const own = new RegExp(`^${this.options.spec.path.replace(/[/]/g, '\\/')}(\\/[\\w/%.?=&-]*)?$`);
    const returnTo = own.test(asked) && !asked.includes('//') ? asked : this.options.home;
    // A fresh sign-in (`fresh=1`) for a sensitive change: the issuer asks again whatever single
    // sign-on session there is (max_age=0), at the level asked for (never below the portal's own).
    const fresh = event.queryStringParameters?.fresh === '1';
    const askedAcr = ACRS.find((a) => a === event.queryStringParameters?.acr);
    const acr =
      fresh && askedAcr && askedAcr > (this.options.spec.requiredAcr ?? '')
        ? askedAcr
        : this.options.spec.requiredAcr;
    const url = oidc.buildAuthorizationUrl(await this.configuration(), {
      redirect_uri: this.redirectUri,
      scope: 'openid',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ui_locales: lang,
      ...(acr ? { acr_values: acr } : {}),
      ...(fresh ? { max_age: '0' } : {}),
    });
    return this.redirect(url.href, [
      this.cookie(this.loginCookie, this.seal({ state, verifier, nonce, returnTo }), LOGIN_SECONDS),
    ]);
  }

  /** Finishes a sign-in: exchanges the code and opens the session. */
  async callback(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    this.onlyInOwnZone();
    const pending = this.unseal(LoginState, cookiesOf(event)[this.loginCookie]);
    if (!pending)
      throw new PageProblem(400, 'this sign-in was not started here, or has expired; start again');
    const query = new URLSearchParams(event.queryStringParameters as Record<string, string>);
    if (query.get('error'))
      return this.redirect(`${this.basePath}${this.options.spec.path}/login`, [
        this.cookie(this.loginCookie, '', 0),
      ]);
    const tokens = await oidc.authorizationCodeGrant(
      await this.configuration(),
      new URL(`${this.redirectUri}?${query}`),
      { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce },
    );
    const claims = tokens.claims()!;
    const session: PortalSession = {
      aud: this.options.spec.clientId,
      zone: this.options.spec.zone,
      sub: claims.sub,
      exp: Math.floor(Date.now() / 1000) + this.sessionSeconds,
      authTime: typeof claims.auth_time === 'number' ? claims.auth_time : Math.floor(Date.now() / 1000),
      csrf: randomBytes(18).toString('base64url'),
      idToken: tokens.id_token,
      acr: typeof claims.acr === 'string' ? claims.acr : undefined,
      amr: Array.isArray(claims.amr) ? claims.amr.map(String) : undefined,
    };
    return this.redirect(`${this.basePath}${pending.returnTo}`, [
      this.cookie(this.sessionCookie, this.seal(session), this.sessionSeconds),
      this.cookie(this.loginCookie, '', 0),
    ]);
  }

  /** Ends the portal session and the single sign-on session at the issuer. */
  async logout(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const session = this.sessionOf(event);
    if (session) this.readForm(event, session);
    const end = session?.idToken
      ? oidc.buildEndSessionUrl(await this.configuration(), {
          id_token_hint: session.idToken,
          post_logout_redirect_uri: `${this.runtime.config.issuer}${this.options.spec.path}`,
        }).href
      : `${this.basePath}${this.options.spec.path}`;
    return this.redirect(end, [this.cookie(this.sessionCookie, '', 0)]);
  }

  /**
   * Ends this portal's session in this browser only (its cookie), then goes to `to`: for when the
   * issuer's sessions were already ended from outside (the account centre's "sign out everywhere").
   */
  endedSessionRedirect(to: string): APIGatewayProxyResult {
    return this.redirect(to, [this.cookie(this.sessionCookie, '', 0)]);
  }

  /** The portal's sign-out form action, relative to the base path (`/audit/console/logout`). */
  get logoutPath(): string {
    return `${this.options.spec.path}/logout`;
  }

  /** Sends a signed-out visitor to sign in and come back to the page they asked for. */
  signInFirst(event: APIGatewayProxyEvent): APIGatewayProxyResult {
    this.onlyInOwnZone();
    const back = event.path.replace(this.basePath, '');
    const query = new URLSearchParams(
      Object.entries(event.queryStringParameters ?? {}).filter(
        (e): e is [string, string] => e[1] !== undefined,
      ),
    ).toString();
    const returnTo = query ? `${back}?${query}` : back;
    return this.redirect(
      `${this.basePath}${this.options.spec.path}/login?returnTo=${encodeURIComponent(returnTo)}`,
    );
  }

  /** Reads an urlencoded form of a signed-in page, refusing it without the session's CSRF token. */
  readForm(event: APIGatewayProxyEvent, session: PortalSession): URLSearchParams {
    const type =
      Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type))
      throw new PageProblem(415, 'send the form as application/x-www-form-urlencoded');
    const raw = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString()
      : (event.body ?? '');
    if (Buffer.byteLength(raw) > MAX_FORM_BYTES) throw new PageProblem(413, 'the form is too large');
    const form = new URLSearchParams(raw);
    const csrf = Buffer.from(form.get('csrf') ?? '');
    const expected = Buffer.from(session.csrf);
    if (csrf.length !== expected.length || !timingSafeEqual(csrf, expected))
      throw new PageProblem(403, 'the form expired; reload the page and try again');
    return form;
  }

  redirect(to: string, cookies: string[] = []): APIGatewayProxyResult {
    return {
      statusCode: 303,
      headers: { location: to, 'cache-control': 'no-store' },
      body: '',
      ...(cookies.length ? { multiValueHeaders: { 'set-cookie': cookies } } : {}),
    };
  }

  private get sessionCookie() {
    return this.options.cookie;
  }

  private get loginCookie() {
    return `${this.options.cookie}_login`;
  }

  /** Its client secret, from the secret store (the registration holds only its hash). */
  private secret(): Promise<string> {
    return currentSecret(this.runtime.secrets, this.options.spec.secretName);
  }

  private configuration(): Promise<oidc.Configuration> {
    const { config } = this.runtime;
    // Discovery first: it starts the issuer, which registers this portal.
    this.oidcConfig ??= oidc
      .discovery(new URL(config.issuer), this.options.spec.clientId, undefined, undefined, {
        execute: config.localMode ? [oidc.allowInsecureRequests] : [],
      })
      .then(async (discovered) => {
        const secret = await this.secret();
        const configured = new oidc.Configuration(
          discovered.serverMetadata(),
          this.options.spec.clientId,
          undefined,
          oidc.ClientSecretBasic(secret),
        );
        if (config.localMode) oidc.allowInsecureRequests(configured);
        return configured;
      })
      .catch((err: unknown) => {
        this.oidcConfig = undefined;
        throw err;
      });
    return this.oidcConfig;
  }

  /**
   * This portal's own sealing keys, one per cookie key: HKDF over the portal's client id and
   * zone, so a cookie sealed by one portal never verifies at another, even in the same zone.
   */
  private get keys(): readonly Buffer[] {
    this.portalKeys ??= this.runtime.cookieKeys.map((key) =>
      Buffer.from(
        hkdfSync(
          'sha256',
          key,
          'yitong first-party portal session',
          `${this.options.spec.clientId}|${this.options.spec.zone}`,
          32,
        ),
      ),
    );
    return this.portalKeys;
  }

  private sign(value: string): string {
    return createHmac('sha256', this.keys[0]!).update(value).digest('base64url');
  }

  private seal(value: unknown): string {
    const body = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  private unseal<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
    const [body, mac] = (raw ?? '').split('.');
    if (!body || !mac) return undefined;
    const ok = this.keys.some((key) => {
      const expected = Buffer.from(createHmac('sha256', key).update(body).digest('base64url'));
      const actual = Buffer.from(mac);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    });
    if (!ok) return undefined;
    try {
      const parsed = schema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString()));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private cookie(name: string, value: string, maxAge: number): string {
    return `${name}=${value}; Path=${this.basePath}${this.options.spec.path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }
}

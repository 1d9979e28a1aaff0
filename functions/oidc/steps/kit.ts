import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type {
  AccountStore,
  Authenticator,
  InteractionAttempts,
  MailQueue,
  PendingSignIn,
  PendingSignIns,
  TotpVault,
} from '../../../libs/accounts/index.ts';
import type { AuditLog } from '../../../libs/audit/index.ts';
import type { Zone } from '../../../libs/config/index.ts';
import { boundCsrfToken, boundCsrfTokenValid } from '../../../libs/http/index.ts';
import {
  type ActingStore,
  type CompanyStore,
  type IdentityServices,
  type ProofingDeps,
  requiredIal,
} from '../../../libs/identity/index.ts';
import { type OidcRegistry, requiredLoa } from '../../../libs/oidc/index.ts';
import type { AccessControl } from '../../../libs/policy/index.ts';
import { html, type Lang, t } from '../../../libs/web/index.ts';
import { firstSignIn } from '../first-sign-in.ts';
import { langOf, PageError, readForm, readJson } from '../page-kit.ts';
import { relyingPartyOf } from '../passkeys.ts';
import type { PageContext } from '../views.ts';
import { resetLink, SignInPaused } from './refusals.ts';

/** What the sign-in steps are built from. */
export interface InteractionDeps extends Authenticator {
  readonly provider: Provider;
  readonly zone: Zone;
  readonly issuer: string;
  readonly registry: OidcRegistry;
  readonly cookieKeys: readonly string[];
  readonly accounts: AccountStore;
  /** What each sign-in remembers between its steps. */
  readonly pending: PendingSignIns;
  /** The few second-factor codes one interaction may try. */
  readonly attempts: InteractionAttempts;
  /** Seals and opens TOTP secrets (only this function and the account centre, which replaces one, may). */
  readonly totpVault: TotpVault;
  readonly audit: AuditLog;
  readonly access: AccessControl;
  /** Proving a person's identity when a service needs a verified one. */
  readonly identity: IdentityServices;
  /**
   * The zone's mail queue (the outbox locally): proofing's SMS codes, and notices to the person
   * (a recovery code used to sign in), handed over without waiting.
   */
  readonly mail: MailQueue;
  /** Remote proofings waiting for their SMS code, and the codes each phone may get a day. */
  readonly phoneProofing: () => Promise<Pick<ProofingDeps, 'codes' | 'smsBudget'>>;
  /** Companies people represent, and the choice each sign-in made at a site that accepts them. */
  readonly companies: CompanyStore;
  readonly acting: ActingStore;
}

export type Ctx = KoaContextWithOIDC;
export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** One step of the sign-in journey: answers one route of the interaction `uid`. */
export type Step = (ctx: Ctx, uid: string) => Promise<unknown>;

/** Answers a passkey route (called by the page script) with JSON, never cached. */
export const json = (ctx: Ctx, status: number, body: unknown) => {
  ctx.status = status;
  ctx.type = 'json';
  ctx.set('cache-control', 'no-store');
  ctx.body = body;
};

/** The pieces every step shares: the interaction, its service, its pending state, its checks. */
export const stepKit = (deps: InteractionDeps) => {
  const { provider } = deps;

  const csrfFor = (uid: string) => boundCsrfToken(deps.cookieKeys, uid);
  const csrfValid = (uid: string, token: unknown) => boundCsrfTokenValid(deps.cookieKeys, uid, token);

  /** The interaction the browser's session holds, which must be the one in the path. */
  const details = async (ctx: Ctx, uid: string): Promise<Details> => {
    try {
      const d = await provider.interactionDetails(ctx.req, ctx.res);
      if (d.uid !== uid) throw new PageError(400, 'step_sessionMismatch');
      return d;
    } catch (err: unknown) {
      if (err instanceof PageError) throw err;
      throw new PageError(400, 'step_interactionGone');
    }
  };

  const clientOf = async (d: Details) => {
    const client = await provider.Client.find(String(d.params.client_id));
    if (!client) throw new PageError(400, 'step_clientUnknown');
    const extras = client as unknown as {
      yitong_required_acr?: string;
      yitong_required_ial?: unknown;
      clientName?: string;
    };
    return {
      client,
      name: client.clientName ?? client.clientId,
      requiredAcr: extras.yitong_required_acr,
      requiredIal: extras.yitong_required_ial,
    };
  };

  const context = async (_ctx: Ctx, d: Details, lang: Lang): Promise<PageContext> => ({
    lang,
    uid: d.uid,
    csrf: csrfFor(d.uid),
    clientName: (await clientOf(d)).name,
  });

  /** Who is trying what, from where: the common fields of every audit event and failure count. */
  const attempt = (ctx: Ctx, d: Details) => ({
    zone: deps.zone,
    sourceIp: ctx.ip,
    userAgent: ctx.get('user-agent'),
    client: String(d.params.client_id),
    correlationId: d.uid,
  });

  const required = async (d: Details) => requiredLoa((await clientOf(d)).requiredAcr, d.params.acr_values);

  /** The identity assurance level the service needs: its minimum, or what the claims parameter asks. */
  const requiredIdentity = async (d: Details) =>
    requiredIal((await clientOf(d)).requiredIal, d.params.claims);

  /**
   * The page for an interaction ended by too many wrong codes: the service gets access_denied,
   * the person a way back to it to start again, and a way to reset the password.
   */
  const interactionEnded = async (ctx: Ctx, lang: Lang) => {
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: 'too many wrong second-factor codes; sign in again' },
      { mergeWithLastSubmission: false },
    );
    return new SignInPaused(
      429,
      t(lang, 'attemptsEndedLead'),
      t(lang, 'attemptsEndedTitle'),
      html`<p><a href="${returnTo}">${t(lang, 'startAgain')}</a></p>${resetLink(lang)}`,
    );
  };

  /** Every POST step: the form, CSRF-checked, and the interaction it belongs to. */
  const postedStep = async (ctx: Ctx, uid: string) => {
    const form = readForm(ctx);
    const d = await details(ctx, uid);
    if (!csrfValid(uid, form.csrf)) throw new PageError(403, 'step_formExpired');
    if (await deps.attempts.ended(uid)) throw await interactionEnded(ctx, langOf(ctx));
    return { form, d };
  };

  /** Every passkey call from the page script: its interaction, CSRF-checked (a header), and its JSON body. */
  const postedJson = async (ctx: Ctx, uid: string) => {
    const d = await details(ctx, uid);
    if (!csrfValid(uid, ctx.get('x-csrf-token'))) throw new PageError(403, 'step_pageExpired');
    return { d, body: readJson(ctx) };
  };

  const accountOfPending = async (pending: PendingSignIn | undefined) => {
    const account = pending && (await deps.accounts.findById(pending.accountId));
    if (account?.status !== 'active') throw new PageError(400, 'step_signInExpired');
    return account;
  };

  /** The person part-way through signing in, from the pending state of this interaction. */
  const pendingAccount = async (uid: string) => {
    const pending = await deps.pending.load(uid);
    const account = await accountOfPending(pending);
    return { pending: pending!, account };
  };

  return {
    deps,
    provider,
    firstTime: firstSignIn(deps),
    rp: relyingPartyOf(deps.issuer),
    details,
    clientOf,
    context,
    attempt,
    required,
    requiredIdentity,
    interactionEnded,
    postedStep,
    postedJson,
    pendingAccount,
  };
};

export type StepKit = ReturnType<typeof stepKit>;

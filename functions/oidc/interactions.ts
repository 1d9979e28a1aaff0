import { createHmac, timingSafeEqual } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import QRCode from 'qrcode';
import { z } from 'zod';
import {
  type Account,
  type AccountStore,
  type Authenticator,
  authenticatePassword,
  checkSecondFactorCode,
  countFailure,
  DisplayName,
  hashRecoveryCodes,
  InteractionAttempts,
  type LockoutState,
  LoginName,
  LoginNameTakenError,
  lockedOut,
  NewPassword,
  newRecoveryCodes,
  newTotpSecret,
  provesStrongestFactor,
  sourceThrottled,
  type TotpVault,
  totpStep,
  totpUri,
} from '../../libs/accounts/index.ts';
import type { AuditLog } from '../../libs/audit/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import {
  consentBody,
  type DeniedReason,
  deniedBody,
  enrolBody,
  firstPasswordBody,
  loginBody,
  messageBody,
  otpBody,
  type PageContext,
  passkeyRequiredBody,
  protectBody,
  recoveryBody,
  registerBody,
} from '../../libs/login/index.ts';
import { ACR, type OidcRegistry, requiredLoa } from '../../libs/oidc/index.ts';
import type { AccessControl, LoginVerdict } from '../../libs/policy/index.ts';
import { epochSeconds } from '../../libs/store/index.ts';
import { type Html, html, type Lang, t } from '../../libs/web/index.ts';
import { consentViewOf } from './consent-view.ts';
import { firstSignIn } from './first-sign-in.ts';
import {
  basePathOf,
  csrfCookie,
  fieldProblem,
  fieldProblems,
  langOf,
  PageError,
  readCookieForm,
  readForm,
  readJson,
  redirect,
  render,
} from './page-kit.ts';
import { assertingPasskey, assertionOptions, relyingPartyOf, verifyPasskeyAssertion } from './passkeys.ts';
import { webauthnScript } from './webauthn-script.ts';

export interface InteractionDeps extends Authenticator {
  readonly provider: Provider;
  readonly zone: Zone;
  readonly issuer: string;
  readonly doc: DynamoDBDocumentClient;
  readonly identityTable: string;
  readonly registry: OidcRegistry;
  readonly cookieKeys: readonly string[];
  readonly accounts: AccountStore;
  /** Seals and opens TOTP secrets: this function is the only one that may. */
  readonly totpVault: TotpVault;
  readonly audit: AuditLog;
  readonly access: AccessControl;
}

const PENDING_TTL = 600;

/** What we remember between the steps of one sign-in, keyed by the interaction. */
const Pending = z.object({
  accountId: z.string(),
  amr: z.array(z.string()),
  /** The secret being enrolled, sealed like a stored one (TotpVault). */
  totpSecret: z.string().optional(),
  challenge: z.string().optional(),
  /** A policy refused this sign-in: the page explains, and the service gets access_denied. */
  denied: z.object({ policyIds: z.array(z.string()), eventRef: z.string() }).optional(),
});
type Pending = z.infer<typeof Pending>;

/** A second factor proven in this sign-in: a TOTP or recovery code, or a passkey. */
const hasSecondFactor = (amr: readonly string[]): boolean => amr.includes('otp') || amr.includes('hwk');

/** The level what was proven reaches: a passkey 3, another second factor 2, a password 1. */
const loaOfAmr = (amr: readonly string[]): 1 | 2 | 3 =>
  amr.includes('hwk') ? 3 : hasSecondFactor(amr) ? 2 : 1;

type PolicyClientMetadata = Parameters<AccessControl['login']>[1];

/** The plain-words reason for a refused sign-in, from the policies that refused it. */
const deniedReasonOf = (policyIds: readonly string[]): DeniedReason => {
  if (policyIds.includes('forbid-inactive-account')) return 'deniedReasonInactive';
  if (policyIds.includes('forbid-disabled-client-login')) return 'deniedReasonClient';
  if (policyIds.includes('zone-client-pinned')) return 'deniedReasonZone';
  return 'deniedReasonRole';
};

/**
 * A factor may be added or replaced during sign-in only by someone who proved, in this
 * sign-in, the strongest factor the account already has — otherwise a stolen password (or a
 * second factor weaker than a passkey) would be enough to add or reset one's own.
 */
const mayAddFactor = (account: Account, amr: readonly string[]): boolean =>
  provesStrongestFactor(account, amr);

const ADD_FACTOR_REFUSED = 'confirm with the second factor this account already has before adding another';

const FIRST_PASSWORD_FIRST = 'choose your new password in place of the one-time password first; start again';

/** A sign-in step refused by the failure budget: its page says what happened, when, and how to recover. */
class SignInPaused extends PageError {
  constructor(
    status: number,
    message: string,
    readonly title: string,
    readonly help: Html,
  ) {
    super(status, message);
  }
}

/** A time as people in China read it: Beijing time has no daylight saving, so it is always UTC+8. */
const beijingTime = (epochSeconds: number): string =>
  new Date((epochSeconds + 8 * 3600) * 1000).toISOString().slice(0, 16).replace('T', ' ');

const resetLink = (lang: Lang) =>
  html`<p><a href="password/reset?lang=${lang}">${t(lang, 'forgotPassword')}</a></p>`;

/** What a person whose sign-in is paused reads: until when (with the time zone), and the way out. */
const pausedMessage = (lang: Lang, state: Pick<LockoutState, 'lockedUntil' | 'scope'>): string =>
  `${t(lang, state.scope === 'account' ? 'lockedAccount' : 'locked', { time: beijingTime(state.lockedUntil) })} ${t(lang, 'lockedHelp')}`;

const paused = (lang: Lang, state: Pick<LockoutState, 'lockedUntil' | 'scope'>) =>
  new SignInPaused(423, pausedMessage(lang, state), t(lang, 'lockedTitle'), resetLink(lang));

/** "n more tries before a wait", for the field under a wrong password or code. */
const triesLeftMessage = (lang: Lang, triesLeft: number): string =>
  triesLeft === 1 ? t(lang, 'triesLeftOne') : t(lang, 'triesLeftMany', { n: String(triesLeft) });

type Ctx = KoaContextWithOIDC;
type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The sign-in journey oidc-provider hands over to us at /interaction/:uid — login,
 * second factor, enrolment, passkeys, consent — plus self-registration. Server-rendered,
 * usable without JavaScript, in Chinese and English, every POST CSRF-checked.
 */
export const interactionRoutes = (deps: InteractionDeps) => {
  const { provider } = deps;
  const firstTime = firstSignIn(deps);
  const attempts = new InteractionAttempts(deps.doc, deps.identityTable);
  const rp = relyingPartyOf(deps.issuer);

  const csrfFor = (uid: string) =>
    createHmac('sha256', deps.cookieKeys[0]!).update(`csrf|${uid}`).digest('base64url');
  const csrfValid = (uid: string, token: unknown) =>
    typeof token === 'string' &&
    deps.cookieKeys.some((key) => {
      const expected = Buffer.from(createHmac('sha256', key).update(`csrf|${uid}`).digest('base64url'));
      const actual = Buffer.from(token);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    });

  const pendingKey = (uid: string) => ({ pk: `pending#${uid}`, sk: 'pending' });
  const savePending = (uid: string, pending: Pending) =>
    deps.doc.send(
      new PutCommand({
        TableName: deps.identityTable,
        Item: { ...pendingKey(uid), ...pending, expiresAt: epochSeconds() + PENDING_TTL },
      }),
    );
  const loadPending = async (uid: string): Promise<Pending | undefined> => {
    const { Item } = await deps.doc.send(
      new GetCommand({ TableName: deps.identityTable, Key: pendingKey(uid), ConsistentRead: true }),
    );
    if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt <= epochSeconds())) return undefined;
    return Pending.parse(Item);
  };

  const details = async (ctx: Ctx, uid: string): Promise<Details> => {
    try {
      const d = await provider.interactionDetails(ctx.req, ctx.res);
      if (d.uid !== uid) throw new PageError(400, 'this sign-in does not match your browser session');
      return d;
    } catch (err: unknown) {
      if (err instanceof PageError) throw err;
      throw new PageError(400, 'this sign-in has expired or was started in another browser');
    }
  };

  const clientOf = async (d: Details) => {
    const client = await provider.Client.find(String(d.params.client_id));
    if (!client) throw new PageError(400, 'the service you came from is not registered');
    const extras = client as unknown as { yitong_required_acr?: string; clientName?: string };
    return { client, name: client.clientName ?? client.clientId, requiredAcr: extras.yitong_required_acr };
  };

  const context = async (_ctx: Ctx, d: Details, lang: Lang): Promise<PageContext> => ({
    lang,
    uid: d.uid,
    csrf: csrfFor(d.uid),
    clientName: (await clientOf(d)).name,
  });

  const attempt = (ctx: Ctx, d: Details) => ({
    zone: deps.zone,
    sourceIp: ctx.ip,
    userAgent: ctx.get('user-agent'),
    client: String(d.params.client_id),
    correlationId: d.uid,
  });

  /**
   * The zone and role policies for this person and service, at the level proven so far:
   * the verdict, and the lowest level that would be allowed (undefined: none would).
   */
  const policyVerdict = async (d: Details, account: Account, loa: number, amr: readonly string[]) => {
    const { client } = await clientOf(d);
    return deps.access.login(account, client.metadata() as PolicyClientMetadata, {
      acr: ACR[Math.min(Math.max(loa, 1), 3) as 1 | 2 | 3],
      amr,
    });
  };

  /**
   * A policy refused the sign-in: audited once, remembered on the interaction, and the
   * person sent to the interaction page, which explains and hands access_denied back.
   */
  const refuse = async (ctx: Ctx, d: Details, account: Account, amr: string[], verdict: LoginVerdict) => {
    const eventRef = await deps.access.record(verdict.request, verdict.decision, {
      ...attempt(ctx, d),
      actor: account.id,
    });
    const denied = { policyIds: [...verdict.decision.policyIds], eventRef };
    await savePending(d.uid, { accountId: account.id, amr, denied });
    return `${basePathOf(ctx)}/interaction/${d.uid}`;
  };

  const showDenied = async (ctx: Ctx, d: Details, lang: Lang, denied: NonNullable<Pending['denied']>) => {
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      {
        error: 'access_denied',
        error_description: 'the zone and role policies do not allow this account to use this service',
      },
      { mergeWithLastSubmission: false },
    );
    return render(
      ctx,
      403,
      lang,
      t(lang, 'deniedTitle'),
      deniedBody(await context(ctx, d, lang), deniedReasonOf(denied.policyIds), denied.eventRef, returnTo),
    );
  };

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

  /** Completes the login prompt; audited once here whatever the route to it. */
  const finishLogin = async (ctx: Ctx, d: Details, signedIn: Account, loa: 1 | 2 | 3, amr: string[]) => {
    // The last gates before a code can be issued, whichever way the person signed in: a locked
    // login name finishes no step, and neither does an interaction ended by wrong codes.
    if (await attempts.ended(d.uid)) throw await interactionEnded(ctx, langOf(ctx));
    const lock = await lockedOut(deps, signedIn.loginName, signedIn.id, attempt(ctx, d), 'login.failure');
    if (lock.locked) throw paused(langOf(ctx), lock);
    // A first sign-in with a one-time password issues no code until it has a new password and a second factor.
    const account = await firstTime.complete(signedIn, amr);
    if (!account) throw new PageError(403, 'choose a new password and set up a second factor first');
    const verdict = await policyVerdict(d, account, loa, amr);
    if (!verdict.decision.allowed) return refuse(ctx, d, account, amr, verdict);
    await deps.doc.send(new DeleteCommand({ TableName: deps.identityTable, Key: pendingKey(d.uid) }));
    const redirectTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: account.id, acr: ACR[loa], amr, remember: true } },
      { mergeWithLastSubmission: false },
    );
    await deps.audit.append({
      ...attempt(ctx, d),
      type: 'login.success',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      details: { acr: ACR[loa], amr },
    });
    // Only a complete sign-in starts the count again (for this name and this source).
    await deps.lockout.signedIn(account.loginName, ctx.ip);
    return redirectTo;
  };

  const required = async (d: Details) => requiredLoa((await clientOf(d)).requiredAcr, d.params.acr_values);

  /** After the password: a second factor if the account has one or the service needs one, else done. */
  /**
   * The one place that decides what a person proves next, given what the account has, what
   * they have proven in this sign-in (`amr`) and the level the service needs.
   */
  const nextStep = async (
    ctx: Ctx,
    d: Details,
    account: Account,
    lang: Lang,
    amr: string[],
    stepUp = false,
  ) => {
    // The policies say who may use the service at all, and the level they need for it.
    const verdict = await policyVerdict(d, account, 1, amr);
    if (verdict.lowestLoa === undefined) {
      return redirect(ctx, await refuse(ctx, d, account, amr, verdict));
    }
    const need = Math.max(await required(d), verdict.lowestLoa);
    const proven = hasSecondFactor(amr);
    const passkeys = account.passkeyIds.length > 0;
    if (firstTime.needsNewPassword(account, amr)) return showFirstPassword(ctx, d, account, lang, amr);
    if (need >= 3 && !amr.includes('hwk')) {
      // Only a passkey reaches level 3. Adding one needs the factor the account already has.
      if (passkeys || !account.totp || proven) return showPasskeyRequired(ctx, d, account, lang, amr);
    }
    if (!proven && account.totp) {
      await savePending(d.uid, { accountId: account.id, amr });
      return render(ctx, 200, lang, t(lang, 'otpTitle'), otpBody(await context(ctx, d, lang), { stepUp }));
    }
    if (!proven && (need >= 2 || firstTime.needsSecondFactor(account))) {
      return passkeys
        ? showPasskeyRequired(ctx, d, account, lang, amr)
        : showEnrolment(ctx, d, account, lang, amr);
    }
    if (!proven && !passkeys && ctx.cookies.get('yitong_protect_later') !== '1') {
      await savePending(d.uid, { accountId: account.id, amr });
      return render(
        ctx,
        200,
        lang,
        t(lang, 'protectTitle'),
        protectBody(await context(ctx, d, lang)),
        webauthnScript(d.uid, 'register'),
      );
    }
    return redirect(ctx, await finishLogin(ctx, d, account, loaOfAmr(amr), amr));
  };

  const showFirstPassword = async (
    ctx: Ctx,
    d: Details,
    account: Account,
    lang: Lang,
    amr: string[],
    errors?: Parameters<typeof firstPasswordBody>[1],
  ) => {
    await savePending(d.uid, { accountId: account.id, amr });
    return render(
      ctx,
      errors ? 400 : 200,
      lang,
      t(lang, 'firstPasswordTitle'),
      firstPasswordBody(await context(ctx, d, lang), errors),
    );
  };

  /** The service needs level 3: only a passkey will do (a second factor would only loop back here). */
  const showPasskeyRequired = async (ctx: Ctx, d: Details, account: Account, lang: Lang, amr: string[]) => {
    await savePending(d.uid, { accountId: account.id, amr });
    const hasPasskey = account.passkeyIds.length > 0;
    return render(
      ctx,
      200,
      lang,
      t(lang, 'passkeyRequiredTitle'),
      passkeyRequiredBody(await context(ctx, d, lang), hasPasskey),
      webauthnScript(d.uid, hasPasskey ? 'login' : 'register'),
    );
  };

  /**
   * Every step that adds a second factor (the authenticator's page, its confirmation, a
   * passkey's options and registration) checks, before doing anything, what finishing would:
   * the login name is not locked, the one-time password was replaced first, and the factor the
   * account already has was proven.
   */
  const mayEnrol = async (ctx: Ctx, d: Details, account: Account, amr: readonly string[]) => {
    const lock = await lockedOut(deps, account.loginName, account.id, attempt(ctx, d), 'mfa.failure');
    if (lock.locked) throw paused(langOf(ctx), lock);
    if (account.mustChangePassword) throw new PageError(403, FIRST_PASSWORD_FIRST);
    if (!mayAddFactor(account, amr)) throw new PageError(403, ADD_FACTOR_REFUSED);
  };

  const showEnrolment = async (
    ctx: Ctx,
    d: Details,
    account: Account,
    lang: Lang,
    amr: string[],
    error?: string,
  ) => {
    await mayEnrol(ctx, d, account, amr);
    const existing = await loadPending(d.uid);
    const secret = existing?.totpSecret
      ? await deps.totpVault.open(account.id, existing.totpSecret)
      : newTotpSecret();
    await savePending(d.uid, {
      accountId: account.id,
      amr,
      totpSecret: await deps.totpVault.seal(account.id, secret),
    });
    const qr = await QRCode.toDataURL(totpUri(secret, account.loginName), { margin: 1, width: 200 });
    render(
      ctx,
      error ? 400 : 200,
      lang,
      t(lang, 'enrolTitle'),
      enrolBody(await context(ctx, d, lang), { qrSvgDataUrl: qr, secret, error }),
    );
  };

  const accountOfPending = async (pending: Pending | undefined): Promise<Account> => {
    const account = pending && (await deps.accounts.findById(pending.accountId));
    if (account?.status !== 'active') throw new PageError(400, 'this sign-in has expired; start again');
    return account;
  };

  /** Every POST step: the form, CSRF-checked, and the interaction it belongs to. */
  const postedStep = async (ctx: Ctx, uid: string) => {
    const form = readForm(ctx);
    const d = await details(ctx, uid);
    if (!csrfValid(uid, form.csrf))
      throw new PageError(403, 'the form expired; reload the page and try again');
    if (await attempts.ended(uid)) throw await interactionEnded(ctx, langOf(ctx));
    return { form, d };
  };

  /** The person part-way through signing in, from the pending state of this interaction. */
  const pendingAccount = async (uid: string) => {
    const pending = await loadPending(uid);
    const account = await accountOfPending(pending);
    return { pending: pending!, account };
  };

  // ---- routes ----

  const show = async (ctx: Ctx, uid: string) => {
    const d = await details(ctx, uid);
    const lang = langOf(ctx);
    const denied = (await loadPending(uid))?.denied;
    if (denied) return showDenied(ctx, d, lang, denied);
    const c = await context(ctx, d, lang);
    if (d.prompt.name === 'login') {
      const sessionAccount = d.session?.accountId
        ? await deps.accounts.findById(d.session.accountId)
        : undefined;
      if (
        sessionAccount &&
        (d.prompt.reasons.includes('yitong_acr') || d.prompt.reasons.includes('yitong_policy'))
      ) {
        // Step-up: the person is known; ask only for what raises the level.
        return nextStep(ctx, d, sessionAccount, lang, ['pwd'], true);
      }
      const notice = ctx.query.registered === '1' ? t(lang, 'accountCreated') : undefined;
      return render(
        ctx,
        200,
        lang,
        t(lang, 'signInTitle'),
        loginBody(c, { passkeys: true, notice }),
        webauthnScript(uid, 'login'),
      );
    }
    if (d.prompt.name === 'consent') {
      const view = await consentViewOf(d, deps.registry, deps.issuer);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'consentTitle', { client: c.clientName }),
        consentBody(c, view, view.digest),
      );
    }
    throw new PageError(400, `unsupported prompt ${d.prompt.name}`);
  };

  const login = async (ctx: Ctx, uid: string) => {
    const { form, d } = await postedStep(ctx, uid);
    const lang = langOf(ctx);
    const c = await context(ctx, d, lang);
    const username = (form.username ?? '').trim();
    const password = form.password ?? '';
    const errors = fieldProblems(
      fieldProblem(lang, 'username', 'username', username, 64),
      fieldProblem(lang, 'password', 'password', password, 256),
    );
    if (errors.length) {
      return render(
        ctx,
        400,
        lang,
        t(lang, 'signInTitle'),
        loginBody(c, { username, errors, passkeys: true }),
        webauthnScript(uid, 'login'),
      );
    }
    const result = await authenticatePassword(deps, username, password, attempt(ctx, d));
    if (result.outcome !== 'ok') {
      const message =
        result.outcome === 'locked'
          ? pausedMessage(lang, { lockedUntil: result.until, scope: result.scope })
          : result.outcome === 'throttled'
            ? t(lang, 'throttled')
            : `${t(lang, 'invalidCredentials')} ${triesLeftMessage(lang, result.triesLeft)}`;
      const status = result.outcome === 'throttled' ? 429 : result.outcome === 'locked' ? 423 : 401;
      return render(
        ctx,
        status,
        lang,
        t(lang, 'signInTitle'),
        loginBody(c, { username, errors: [{ field: 'password', message }], passkeys: true }),
        webauthnScript(uid, 'login'),
      );
    }
    return nextStep(ctx, d, result.account, lang, ['pwd']);
  };

  /**
   * The second factor: a TOTP or recovery code. Throttled per source; refused unevaluated while
   * the login name is locked; each code takes one of the interaction's few attempts before it
   * is evaluated (so codes sent at once cannot race past the limit), and every wrong code counts
   * in the name's budget (which a right password does not reset) too.
   */
  const otp = async (ctx: Ctx, uid: string) => {
    const { form, d } = await postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await pendingAccount(uid);
    const at = attempt(ctx, d);
    if (await sourceThrottled(deps, at)) throw new PageError(429, t(lang, 'throttled'));
    const before = await lockedOut(deps, account.loginName, account.id, at, 'mfa.failure');
    if (before.locked) throw paused(lang, before);
    const leftHere = await attempts.take(uid);
    if (leftHere === undefined) throw await interactionEnded(ctx, lang);
    const code = (form.otp ?? '').replace(/\s+/g, '');
    const method = /^\d{6}$/.test(code) ? 'totp' : 'recovery-code';
    const ok = (await checkSecondFactorCode(deps.accounts, deps.totpVault, account, code)) !== undefined;
    const base = { ...at, actor: account.id, subject: account.id };
    if (ok) {
      await attempts.giveBack(uid);
      await deps.audit.append({ ...base, type: 'mfa.success', outcome: 'success', details: { method } });
      return nextStep(ctx, d, account, lang, [...new Set([...pending.amr, 'otp', 'mfa'])]);
    }
    const after = await countFailure(deps, account.loginName, at, before, {
      ...base,
      type: 'mfa.failure',
      outcome: 'failure',
      details: { method },
    });
    // Only the request that took the last attempt ends the interaction (and says so once).
    if (leftHere === 0) {
      await deps.doc.send(new DeleteCommand({ TableName: deps.identityTable, Key: pendingKey(uid) }));
      await deps.audit.append({
        ...base,
        type: 'login.ended',
        outcome: 'denied',
        reason: `${attempts.limit} wrong second-factor codes in one sign-in`,
      });
      if (!after.locked) throw await interactionEnded(ctx, lang);
    }
    if (after.locked) throw paused(lang, after);
    return render(
      ctx,
      400,
      lang,
      t(lang, 'otpTitle'),
      otpBody(await context(ctx, d, lang), {
        stepUp: false,
        error: `${t(lang, 'otpInvalid')} ${
          leftHere < after.triesLeft
            ? leftHere === 1
              ? t(lang, 'codesLeftOne')
              : t(lang, 'codesLeftMany', { n: String(leftHere) })
            : triesLeftMessage(lang, after.triesLeft)
        }`,
      }),
    );
  };

  const enrol = async (ctx: Ctx, uid: string) => {
    const { form, d } = await postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await pendingAccount(uid);
    await mayEnrol(ctx, d, account, pending.amr);
    const secret = pending?.totpSecret && (await deps.totpVault.open(account.id, pending.totpSecret));
    const step = secret ? totpStep(secret, (form.otp ?? '').trim()) : undefined;
    if (!secret || step === undefined) {
      return showEnrolment(ctx, d, account, lang, pending?.amr ?? ['pwd'], t(lang, 'otpInvalid'));
    }
    const codes = newRecoveryCodes();
    await deps.accounts.update(account, {
      totp: {
        sealedSecret: await deps.totpVault.seal(account.id, secret),
        enabledAt: new Date().toISOString(),
        lastStep: step,
        recovery: await hashRecoveryCodes(codes),
        recoveryCodes: [],
      },
    });
    await deps.audit.append({
      ...attempt(ctx, d),
      type: 'mfa.enrolled',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      details: { method: 'totp' },
    });
    await savePending(uid, { accountId: account.id, amr: [...new Set([...pending.amr, 'otp', 'mfa'])] });
    return render(ctx, 200, lang, t(lang, 'recoveryTitle'), recoveryBody(await context(ctx, d, lang), codes));
  };

  /** The first sign-in's new password, in place of the one-time password. */
  const newPassword = async (ctx: Ctx, uid: string) => {
    const { form, d } = await postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await pendingAccount(uid);
    if (!pending.amr.includes('pwd') || !firstTime.needsNewPassword(account, pending.amr))
      throw new PageError(400, 'there is no new password to choose in this sign-in; start again');
    const { client, zone, sourceIp, userAgent, correlationId } = attempt(ctx, d);
    const chosen = await firstTime.choosePassword(account, form, lang, {
      client,
      zone,
      sourceIp,
      userAgent,
      correlationId,
    });
    if ('errors' in chosen) return showFirstPassword(ctx, d, account, lang, pending.amr, chosen.errors);
    return nextStep(ctx, d, chosen.account, lang, pending.amr);
  };

  /** After recovery codes were shown: the second factor was proven during enrolment. */
  const finish = async (ctx: Ctx, uid: string) => {
    const { d } = await postedStep(ctx, uid);
    const { pending, account } = await pendingAccount(uid);
    if (!account.totp || !pending.amr.includes('otp'))
      throw new PageError(400, 'finish the security code step first');
    return nextStep(ctx, d, account, langOf(ctx), pending.amr);
  };

  const protect = async (ctx: Ctx, uid: string) => {
    const { form, d } = await postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await pendingAccount(uid);
    if (form.choice === 'totp') return showEnrolment(ctx, d, account, lang, pending.amr);
    // "Not now" is only for accounts with no second factor; anyone else must use theirs.
    if (account.totp || account.passkeyIds.length > 0) throw new PageError(403, ADD_FACTOR_REFUSED);
    ctx.cookies.set('yitong_protect_later', '1', {
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 30 * 86_400_000,
      signed: false,
      secure: ctx.secure,
    });
    // The account has no second factor (checked above): this sign-in is level 1.
    return redirect(ctx, await finishLogin(ctx, d, account, 1, pending.amr));
  };

  const consent = async (ctx: Ctx, uid: string) => {
    const { form, d } = await postedStep(ctx, uid);
    if (d.prompt.name !== 'consent' || !d.session?.accountId)
      throw new PageError(400, 'there is nothing to consent to');
    const accountId = d.session.accountId;
    const clientId = String(d.params.client_id);
    const base = { ...attempt(ctx, d), actor: accountId, subject: accountId };
    if (form.decision !== 'allow') {
      await deps.audit.append({
        ...base,
        type: 'consent.denied',
        outcome: 'denied',
        reason: 'the person did not allow access',
      });
      return redirect(
        ctx,
        await provider.interactionResult(
          ctx.req,
          ctx.res,
          { error: 'access_denied', error_description: 'the person did not allow access' },
          { mergeWithLastSubmission: false },
        ),
      );
    }
    // Grant only what the page showed: what is asked for now must be what the person saw.
    if (form.shown !== (await consentViewOf(d, deps.registry, deps.issuer)).digest)
      throw new PageError(
        400,
        'what this service asks for has changed since the page was shown; start again',
      );
    const missing = d.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = d.grantId
      ? await provider.Grant.find(d.grantId)
      : new provider.Grant({ accountId, clientId });
    if (!grant) throw new PageError(400, 'this sign-in has expired; start again');
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    const scopes = String(grant.getOIDCScope() ?? '')
      .split(' ')
      .filter(Boolean);
    await deps.registry.rememberConsent(accountId, clientId, scopes);
    await deps.audit.append({ ...base, type: 'consent.granted', outcome: 'success', details: { scopes } });
    return redirect(
      ctx,
      await provider.interactionResult(
        ctx.req,
        ctx.res,
        { consent: d.grantId ? {} : { grantId } },
        { mergeWithLastSubmission: true },
      ),
    );
  };

  const abort = async (ctx: Ctx, uid: string) => {
    const { d } = await postedStep(ctx, uid);
    await deps.audit.append({
      ...attempt(ctx, d),
      type: 'login.cancelled',
      outcome: 'failure',
      reason: 'cancelled by the person',
    });
    return redirect(
      ctx,
      await provider.interactionResult(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'sign-in was cancelled' },
        { mergeWithLastSubmission: false },
      ),
    );
  };

  // ---- passkeys (JSON, called by the page script) ----

  const json = (ctx: Ctx, status: number, body: unknown) => {
    ctx.status = status;
    ctx.type = 'json';
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  };

  const passkey = async (ctx: Ctx, uid: string, action: string) => {
    const d = await details(ctx, uid);
    if (!csrfValid(uid, ctx.get('x-csrf-token')))
      throw new PageError(403, 'the page expired; reload it and try again');
    const body = readJson(ctx);
    if (action === 'login-options') {
      const options = await assertionOptions(rp);
      await savePending(uid, { accountId: '', amr: [], challenge: options.challenge });
      return json(ctx, 200, options);
    }
    if (action === 'login') {
      // The same budget as every other factor: throttled per source, refused while the owner's
      // login name is locked, and a failed assertion for a known passkey counts against it.
      const lang = langOf(ctx);
      if (await attempts.ended(uid)) throw await interactionEnded(ctx, lang);
      const at = attempt(ctx, d);
      if (await sourceThrottled(deps, at)) throw new PageError(429, t(lang, 'throttled'));
      const pending = await loadPending(uid);
      const response = z
        .object({ id: z.string().max(1024) })
        .passthrough()
        .safeParse(body);
      if (!pending?.challenge || !response.success)
        throw new PageError(400, 'start the passkey sign-in again');
      const stored = await assertingPasskey(deps.accounts, body);
      const owner = stored ? await deps.accounts.findById(stored.accountId) : undefined;
      const before = owner && (await lockedOut(deps, owner.loginName, owner.id, at, 'login.failure'));
      if (before?.locked) throw paused(lang, before);
      const proof =
        stored && (await verifyPasskeyAssertion(deps.accounts, rp, body, pending.challenge, stored));
      const account = proof ? owner : undefined;
      if (!proof || !account) {
        const failure = {
          ...at,
          type: 'login.failure',
          outcome: 'failure' as const,
          subject: owner?.id,
          reason: 'passkey not recognised',
          details: { method: 'passkey' },
        };
        if (!owner || !before) await deps.audit.append(failure);
        else {
          const after = await countFailure(deps, owner.loginName, at, before, failure);
          if (after.locked) throw paused(lang, after);
        }
        throw new PageError(401, 'that passkey is not recognised');
      }
      await deps.audit.append({
        ...at,
        type: 'mfa.success',
        outcome: 'success',
        actor: account.id,
        subject: account.id,
        details: { method: 'passkey' },
      });
      if (account.status !== 'active') throw new PageError(401, 'that passkey is not recognised');
      await deps.accounts.updatePasskeyCounter(proof.passkey.credentialId, proof.newCounter);
      return json(ctx, 200, { redirectTo: await finishLogin(ctx, d, account, 3, ['hwk', 'user', 'mfa']) });
    }
    const { pending, account } = await pendingAccount(uid);
    await mayEnrol(ctx, d, account, pending.amr);
    if (action === 'register-options') {
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: account.loginName,
        userDisplayName: account.displayName,
        userID: new TextEncoder().encode(account.id),
        attestationType: 'none',
        excludeCredentials: account.passkeyIds.map((id) => ({ id })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      await savePending(uid, { ...pending!, challenge: options.challenge });
      return json(ctx, 200, options);
    }
    if (action === 'register') {
      if (!pending?.challenge) throw new PageError(400, 'start adding the passkey again');
      let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>['registrationInfo'];
      try {
        const result = await verifyRegistrationResponse({
          response: body as Parameters<typeof verifyRegistrationResponse>[0]['response'],
          expectedChallenge: pending.challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: true,
        });
        info = result.verified ? result.registrationInfo : undefined;
      } catch {
        info = undefined;
      }
      if (!info) throw new PageError(400, 'the passkey could not be verified; try again');
      const updated = await deps.accounts.addPasskey(account, {
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: info.credential.transports ?? [],
      });
      await deps.audit.append({
        ...attempt(ctx, d),
        type: 'mfa.enrolled',
        outcome: 'success',
        actor: account.id,
        subject: account.id,
        details: { method: 'passkey' },
      });
      // Registering a passkey needs user verification on the device: it proves possession now.
      return json(ctx, 200, {
        redirectTo: await finishLogin(ctx, d, updated, 3, ['pwd', 'hwk', 'user', 'mfa']),
      });
    }
    throw new PageError(404, 'no such passkey action');
  };

  // ---- registration ----

  const RegisterForm = z.object({
    kind: z.enum(['citizen', 'company']),
    displayName: DisplayName,
    username: LoginName,
    password: NewPassword,
    email: z.union([z.literal(''), z.email('a valid email address, or leave it empty').max(254)]).optional(),
    interaction: z
      .string()
      .max(64)
      .regex(/^[\w-]*$/)
      .optional(),
  });

  const register = async (ctx: Ctx) => {
    const interaction = typeof ctx.query.interaction === 'string' ? ctx.query.interaction : '';
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, { interaction, csrf: csrfCookie(ctx) }),
      );
    }
    const { form, lang } = readCookieForm(ctx);
    if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, t(lang, 'throttled'));
    const parsed = RegisterForm.safeParse(form);
    const values = {
      kind: form.kind ?? '',
      displayName: form.displayName ?? '',
      username: form.username ?? '',
    };
    const csrf = csrfCookie(ctx);
    if (!parsed.success) {
      const labels: Record<string, string> = {
        email: t(lang, 'email'),
        displayName: t(lang, 'displayName'),
        username: t(lang, 'username'),
        password: t(lang, 'newPassword'),
        kind: t(lang, 'accountType'),
      };
      const errors = parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? 'username');
        return {
          field: name === 'kind' ? 'kind-citizen' : name,
          message: `${labels[name] ?? name}: ${i.message}`,
        };
      });
      return render(
        ctx,
        400,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, { interaction: form.interaction ?? '', csrf, values, errors }),
      );
    }
    try {
      const account = await deps.accounts.create({
        kind: parsed.data.kind,
        loginName: parsed.data.username,
        displayName: parsed.data.displayName,
        password: parsed.data.password,
        email: parsed.data.email || undefined,
        roles: [parsed.data.kind],
      });
      await deps.audit.append({
        zone: deps.zone,
        type: 'account.registered',
        outcome: 'success',
        actor: account.id,
        subject: account.id,
        sourceIp: ctx.ip,
        userAgent: ctx.get('user-agent'),
        details: { kind: account.kind, identityAssurance: account.identityAssurance },
      });
    } catch (err: unknown) {
      if (!(err instanceof LoginNameTakenError)) throw err;
      return render(
        ctx,
        409,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, {
          interaction: form.interaction ?? '',
          csrf,
          values,
          errors: [{ field: 'username', message: t(lang, 'nameTaken') }],
        }),
      );
    }
    if (parsed.data.interaction)
      return redirect(
        ctx,
        `${basePathOf(ctx)}/interaction/${parsed.data.interaction}?registered=1&lang=${lang}`,
      );
    return render(
      ctx,
      201,
      lang,
      t(lang, 'registerTitle'),
      messageBody(t(lang, 'registerTitle'), t(lang, 'accountCreated')),
    );
  };

  const ROUTE =
    /^\/interaction\/([\w-]{1,64})(?:\/(login|otp|enrol|finish|protect|consent|abort|new-password|passkey\/(login-options|login|register-options|register)))?$/;

  return async (ctx: Ctx, next: () => Promise<void>) => {
    const path = ctx.path;
    if (path !== '/register' && !path.startsWith('/interaction/')) return next();
    try {
      if (path === '/register') {
        if (ctx.method !== 'GET' && ctx.method !== 'POST') throw new PageError(405, 'use GET or POST');
        return await register(ctx);
      }
      const match = ROUTE.exec(path);
      if (!match) throw new PageError(404, 'there is no such page');
      const [, uid, step, passkeyAction] = match as unknown as [
        string,
        string,
        string | undefined,
        string | undefined,
      ];
      if (!step) {
        if (ctx.method !== 'GET') throw new PageError(405, 'use GET');
        return await show(ctx, uid);
      }
      if (ctx.method !== 'POST') throw new PageError(405, 'use POST');
      if (passkeyAction) return await passkey(ctx, uid, passkeyAction);
      const handlers = {
        login,
        otp,
        enrol,
        finish,
        protect,
        consent,
        abort,
        'new-password': newPassword,
      } as const;
      return await handlers[step as keyof typeof handlers](ctx, uid);
    } catch (err: unknown) {
      const status =
        err instanceof PageError
          ? err.status
          : typeof (err as { statusCode?: number })?.statusCode === 'number' &&
              (err as { statusCode: number }).statusCode < 500
            ? (err as { statusCode: number }).statusCode
            : undefined;
      if (status === undefined) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (path.includes('/passkey/')) return json(ctx, status, { error: 'invalid_request', detail: message });
      const lang = langOf(ctx);
      const title = err instanceof SignInPaused ? err.title : t(lang, 'errorTitle');
      return render(
        ctx,
        status,
        lang,
        title,
        messageBody(title, message, err instanceof SignInPaused ? err.help : undefined),
      );
    }
  };
};

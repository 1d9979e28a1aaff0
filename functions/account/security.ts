import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  type Account,
  AccountPasskeys,
  hashRecoveryCodes,
  highestLoa,
  type NoticeKind,
  newRecoveryCodes,
  newTotpSecret,
  PasskeyName,
  ReauthChallenges,
  sendNotice,
  TotpVault,
  totpStep,
  totpUri,
} from '../../libs/accounts/index.ts';
import { NotFoundError } from '../../libs/http/index.ts';
import type { FirstPartyPortal, PortalSession } from '../../libs/portal/index.ts';
import { mailQueueOf, type Runtime } from '../../libs/runtime/index.ts';
import { type FieldError, type Lang, t } from '../../libs/web/index.ts';
import {
  passkeyRegistrationOptions,
  relyingPartyOf,
  verifyPasskeyRegistration,
} from '../../libs/webauthn/index.ts';
import { ownAct } from './origin.ts';
import {
  DONE,
  type Done,
  type FactorsShown,
  passkeyFieldId,
  recoveryCodesView,
  securityView,
  totpView,
} from './security-views.ts';
import type { AccountPage, ShowView } from './views.ts';
import { aw } from './words.ts';

/** What the sign-in and security pages need: the runtime, the portal and how pages are shown. */
export interface SecurityPagesDeps {
  readonly runtime: Runtime;
  readonly portal: FirstPartyPortal;
  readonly show: ShowView;
}

type Page = AccountPage;

const HOME = '/account/security';
const TOTP = '/account/security/totp';

/**
 * Sign-in and security (issue #21): the person's passkeys (add, rename, remove), authenticator
 * app (set up or replace), recovery codes (make new ones) and a way to the password change.
 * Every change needs a sign-in fresh at the account's highest level (`portal.isFresh`): a change
 * asked for without one goes to sign in again first. Each is audited once and told to the
 * person on every channel they have.
 */
export const securityPages = (deps: SecurityPagesDeps) => {
  const { runtime, portal, show } = deps;
  const { accounts, config } = runtime;
  const vault = new TotpVault(runtime.secrets);
  const passkeys = new AccountPasskeys(runtime.doc, config.tables.identity, accounts);
  const challenges = new ReauthChallenges(runtime.doc, config.tables.identity);
  const mail = mailQueueOf(runtime);
  const rp = relyingPartyOf(config.issuer);
  const { basePath } = portal;
  /** One live challenge per portal session for adding a passkey. */
  const challengeKey = (session: PortalSession) => `account-passkey|${session.sub}|${session.csrf}`;

  const audit = (
    event: APIGatewayProxyEvent,
    account: Account,
    type: string,
    extra: { readonly resource?: string; readonly details?: Record<string, string> } = {},
  ) => runtime.audit.append(ownAct(config.zone, event, account, type, extra));
  const notify = async (account: Account, kind: NoticeKind, lang: Lang) => {
    await sendNotice(mail, account, kind, lang);
  };

  const factorsOf = async (account: Account): Promise<FactorsShown> => ({
    passkeys: await passkeys.passkeysOf(account),
    totpSince: account.totp?.enabledAt,
    recoveryLeft: (account.totp?.recovery?.hashes.length ?? 0) + (account.totp?.recoveryCodes.length ?? 0),
    level: highestLoa(account),
    levelWithoutPasskeys: account.totp ? 2 : 1,
    // Civil servants' consoles and intranet services need a second factor: their accounts keep one.
    mayDropSecondFactor: account.kind !== 'staff',
  });

  /** The page, with a new challenge for adding a passkey while the sign-in is fresh. */
  const securityPage = async (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    lang: Lang,
    account: Account,
    o: { readonly status?: number; readonly errors?: readonly FieldError[]; readonly done?: Done } = {},
  ) => {
    const fresh = portal.isFresh(session, account);
    const view = securityView(lang, session, {
      factors: await factorsOf(account),
      fresh,
      done: o.done,
      errors: o.errors,
      addPasskey: fresh,
    });
    let script: string | undefined;
    if (fresh) {
      const options = await passkeyRegistrationOptions(rp, account);
      await challenges.save(challengeKey(session), options.challenge);
      script = addPasskeyScript(options);
    }
    return show(event, lang, o.status ?? 200, { ...view, script }, HOME);
  };

  /** Back to the page, saying what was done (post, redirect, get). */
  const done = (what: Done) => portal.redirect(`${basePath}${HOME}?done=${what}`);

  /** A change's form, read only when its CSRF token is right; undefined with the redirect to sign in again first. */
  const changeForm = (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    account: Account,
    returnTo = HOME,
  ): { form: URLSearchParams } | { again: APIGatewayProxyResult } => {
    const form = portal.readForm(event, session);
    return portal.isFresh(session, account) ? { form } : { again: portal.freshSignIn(account, returnTo) };
  };

  /** The account's passkey a form names; a passkey of anyone else is as absent as a missing one. */
  const namedPasskey = (account: Account, form: URLSearchParams): string => {
    const id = (form.get('passkey') ?? '').slice(0, 1024);
    if (!account.passkeyIds.includes(id)) throw new NotFoundError(aw('en', 'sec_noPasskey'));
    return id;
  };

  const page: Page = async (event, session, lang, account) => {
    const asked = event.queryStringParameters?.done;
    return securityPage(event, session, lang, account, {
      done: asked && Object.hasOwn(DONE, asked) ? (asked as Done) : undefined,
    });
  };

  const confirm: Page = async (_event, _session, _lang, account) => portal.freshSignIn(account, HOME);

  const rename: Page = async (event, session, lang, account) => {
    const read = changeForm(event, session, account);
    if ('again' in read) return read.again;
    const id = namedPasskey(account, read.form);
    const name = PasskeyName.safeParse(read.form.get(`name-${passkeyFieldId(id)}`) ?? '');
    if (!name.success)
      return securityPage(event, session, lang, account, {
        status: 400,
        errors: [{ field: `name-${passkeyFieldId(id)}`, message: aw(lang, 'sec_errName') }],
      });
    if (!(await passkeys.renamePasskey(account, id, name.data)))
      throw new NotFoundError(aw('en', 'sec_noPasskey'));
    await audit(event, account, 'mfa.passkey_renamed', { resource: `passkey:${id}` });
    return done('passkey-renamed');
  };

  /**
   * Removing a passkey. The last one lowers the level the account can sign in at (to 2 with an
   * authenticator app, else 1): the page says so and the person must tick that they understand;
   * a staff account may not be left without a second factor at all.
   */
  const remove: Page = async (event, session, lang, account) => {
    const read = changeForm(event, session, account);
    if ('again' in read) return read.again;
    const id = namedPasskey(account, read.form);
    const field = passkeyFieldId(id);
    if (account.passkeyIds.length === 1) {
      if (!account.totp && account.kind === 'staff')
        return securityPage(event, session, lang, account, {
          status: 409,
          errors: [{ field: `last-passkey-${field}`, message: aw(lang, 'sec_removeRefused') }],
        });
      if (read.form.get('understood') !== 'yes')
        return securityPage(event, session, lang, account, {
          status: 400,
          errors: [{ field: `understood-${field}`, message: aw(lang, 'sec_errUnderstood') }],
        });
    }
    const updated = await passkeys.removePasskey(account, id);
    if (!updated) throw new NotFoundError(aw('en', 'sec_noPasskey'));
    await audit(event, account, 'mfa.passkey_removed', {
      resource: `passkey:${id}`,
      details: { levelAfter: String(highestLoa(updated)) },
    });
    await notify(account, 'passkey-removed', lang);
    return done('passkey-removed');
  };

  /** Adds the passkey the page's script made, answering the session's live challenge (used up). */
  const add: Page = async (event, session, lang, account) => {
    const read = changeForm(event, session, account);
    if ('again' in read) return read.again;
    const failed = (message: string) =>
      securityPage(event, session, lang, account, {
        status: 400,
        errors: [{ field: 'passkey-name', message }],
      });
    const name = PasskeyName.safeParse(read.form.get('passkey-name') ?? '');
    if (!name.success) return failed(aw(lang, 'sec_errName'));
    const challenge = await challenges.take(challengeKey(session));
    let body: unknown;
    try {
      body = JSON.parse(read.form.get('credential') ?? '');
    } catch {
      body = undefined;
    }
    const passkey = challenge && body ? await verifyPasskeyRegistration(rp, body, challenge) : undefined;
    if (!passkey || account.passkeyIds.includes(passkey.credentialId))
      return failed(aw(lang, 'sec_passkeyNotAdded'));
    await accounts.addPasskey(account, { ...passkey, name: name.data });
    await audit(event, account, 'mfa.enrolled', {
      resource: `passkey:${passkey.credentialId}`,
      details: { method: 'passkey' },
    });
    await notify(account, 'passkey-added', lang);
    return done('passkey-added');
  };

  /** The new app's page: a new secret, sealed into the form so that the confirmation brings it back. */
  const totpPage = async (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    lang: Lang,
    account: Account,
    o: { readonly secret?: string; readonly pending?: string; readonly error?: string } = {},
  ) => {
    const secret = o.secret ?? newTotpSecret();
    const pending = o.pending ?? (await vault.seal(account.id, secret));
    // The QR library loads on first use (a chunk of its own).
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toDataURL(totpUri(secret, account.loginName), { margin: 1, width: 200 });
    return show(
      event,
      lang,
      o.error ? 400 : 200,
      totpView(lang, session, { qr, secret, pending, error: o.error }),
      TOTP,
    );
  };

  const totpStart: Page = async (event, session, lang, account) =>
    portal.isFresh(session, account)
      ? totpPage(event, session, lang, account)
      : portal.freshSignIn(account, TOTP);

  /**
   * Confirms the new app with a code from it: the new secret replaces the old at once (whose
   * codes stop working), recovery codes stay; an account that had no app gets its first
   * recovery codes, shown this once.
   */
  const totpConfirm: Page = async (event, session, lang, account) => {
    const read = changeForm(event, session, account, TOTP);
    if ('again' in read) return read.again;
    const pending = (read.form.get('pending') ?? '').slice(0, 1024);
    let secret: string | undefined;
    try {
      secret = pending ? await vault.open(account.id, pending) : undefined;
    } catch {
      secret = undefined;
    }
    if (!secret) return totpPage(event, session, lang, account, { error: aw(lang, 'sec_totpAgain') });
    const step = totpStep(secret, (read.form.get('otp') ?? '').replace(/\s+/g, ''));
    if (step === undefined)
      return totpPage(event, session, lang, account, { secret, pending, error: t(lang, 'otpInvalid') });
    const before = account.totp;
    const codes = before ? undefined : newRecoveryCodes();
    await accounts.update(account, {
      totp: {
        sealedSecret: pending,
        enabledAt: new Date().toISOString(),
        lastStep: step,
        ...(before
          ? { recovery: before.recovery, recoveryCodes: before.recoveryCodes }
          : { recovery: await hashRecoveryCodes(codes ?? []), recoveryCodes: [] }),
      },
    });
    await audit(event, account, before ? 'mfa.totp_replaced' : 'mfa.enrolled', {
      details: { method: 'totp' },
    });
    await notify(account, before ? 'totp-replaced' : 'totp-added', lang);
    if (before) return done('totp-replaced');
    return show(
      event,
      lang,
      200,
      recoveryCodesView(lang, session, {
        codes: codes ?? [],
        loginName: account.loginName,
        lead: aw(lang, 'sec_done_totpReplaced'),
      }),
      HOME,
    );
  };

  /** New recovery codes in place of every old one, shown this once. */
  const regenerate: Page = async (event, session, lang, account) => {
    const read = changeForm(event, session, account);
    if ('again' in read) return read.again;
    if (!account.totp)
      throw new NotFoundError('recovery codes come with an authenticator app; set one up first');
    const codes = newRecoveryCodes();
    await accounts.update(account, {
      totp: { ...account.totp, recovery: await hashRecoveryCodes(codes), recoveryCodes: [] },
    });
    await audit(event, account, 'mfa.recovery_codes_regenerated');
    await notify(account, 'recovery-codes-regenerated', lang);
    return show(
      event,
      lang,
      200,
      recoveryCodesView(lang, session, { codes, loginName: account.loginName }),
      HOME,
    );
  };

  return { page, confirm, rename, remove, add, totpStart, totpConfirm, regenerate };
};

export type SecurityPages = ReturnType<typeof securityPages>;

/**
 * The page's one script: asks the device for a new passkey with the options the page was made
 * with (its challenge kept for this session), then sends it with the name in the same form. No
 * request of its own, so the page's content security policy allows no fetch at all.
 */
const addPasskeyScript = (options: unknown): string => `
(() => {
  if (!window.PublicKeyCredential) return;
  const block = document.getElementById('passkey-block');
  const button = document.getElementById('passkey-add');
  const error = document.getElementById('passkey-error');
  if (!block || !button || !error) return;
  const options = ${JSON.stringify(options).replace(/</g, '\\u003c')};
  block.style.display = 'block';
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  button.addEventListener('click', async () => {
    error.textContent = '';
    try {
      const credential = await navigator.credentials.create({ publicKey: {
        ...options, challenge: unb64(options.challenge),
        user: { ...options.user, id: unb64(options.user.id) },
        excludeCredentials: (options.excludeCredentials || []).map((c) => ({ ...c, id: unb64(c.id) })),
      } });
      const r = credential.response;
      const form = button.form;
      form.querySelector('input[name=credential]').value = JSON.stringify({
        id: credential.id, rawId: b64(credential.rawId), type: credential.type,
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
        response: { clientDataJSON: b64(r.clientDataJSON), attestationObject: b64(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] },
      });
      form.submit();
    } catch (e) {
      error.textContent = e && e.message ? e.message : String(e);
    }
  });
})();
`;

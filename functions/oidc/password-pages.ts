import type { KoaContextWithOIDC } from 'oidc-provider';
import {
  type Account,
  type Authenticator,
  addressOf,
  authenticatePassword,
  checkSecondFactorCode,
  countFailure,
  hashPassword,
  type MailQueue,
  type OutboxNotifier,
  type PasswordReset,
  type ReauthChallenges,
  type SourceThrottle,
  sendNotice,
  strongestFactor,
  type TotpVault,
} from '../../libs/accounts/index.ts';
import type { AuditEventInput } from '../../libs/audit/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { Router } from '../../libs/http/index.ts';
import { ACCOUNT_PORTAL, FIRST_PARTY_PORTALS } from '../../libs/oidc/index.ts';
import { epochSeconds } from '../../libs/store/index.ts';
import { type FieldError, type Html, html, type Lang, t } from '../../libs/web/index.ts';
import {
  basePathOf,
  browserDigest,
  csrfCookie,
  csrfCookieValid,
  fieldProblem,
  fieldProblems,
  langOf,
  newPasswordProblem,
  PageError,
  readCookieForm,
  redirect,
  render,
} from './page-kit.ts';
import type { PageRoute, PageRouter } from './page-routes.ts';
import { assertionOptions, relyingPartyOf, verifyPasskeyAssertion } from './passkeys.ts';
import { pausedMessage, personTimeZone } from './steps/refusals.ts';
import { changePasswordBody, messageBody, resetConfirmBody, resetRequestBody } from './views.ts';
import { passkeyConfirmScript } from './webauthn-script.ts';

type Ctx = KoaContextWithOIDC;

const PASSKEY_OPTIONS_PATH = '/password/change/passkey-login-options';

export interface PasswordPageDeps extends Authenticator {
  readonly zone: Zone;
  readonly issuer: string;
  readonly reset: PasswordReset;
  /** A passkey's challenge per browser, for confirming a password change. */
  readonly challenges: ReauthChallenges;
  /** Opens the account's sealed TOTP secret to check a code. */
  readonly totpVault: TotpVault;
  /** Reset requests per source address (mail flooding, name spraying), apart from sign-in throttling. */
  readonly resetSources: SourceThrottle;
  /** The local outbox, when running locally: its page lists what was "sent". */
  readonly outbox?: OutboxNotifier;
  /** Notices to the person (their password changed), sent without waiting. */
  readonly mail: MailQueue;
}

/** The sign-in a reset page was opened from (its interaction id), to go back to it afterwards. */
const interactionOf = (value: unknown): string | undefined =>
  typeof value === 'string' && /^[\w-]{1,64}$/.test(value) ? value : undefined;

/** Where a reset made on its own leaves the person: signing in to yitong's own portals of this zone. */
const nextStepsAfterReset = (lang: Lang, zone: Zone): Html => {
  const portals = FIRST_PARTY_PORTALS.filter((p) => p.zone === zone);
  if (!portals.length) return html`<p>${t(lang, 'resetDoneElsewhere')}</p>`;
  return html`${portals.map(
    (p, i) =>
      html`<p><a class="button${i ? ' secondary' : ''}" id="next-step-${p.clientId}" href="${p.path.slice(1)}?lang=${lang}">${
        p === ACCOUNT_PORTAL
          ? t(lang, 'signInToAccount')
          : t(lang, 'signInToPortal', { portal: p.clientName })
      }</a></p>`,
  )}<p>${t(lang, 'resetDoneElsewhere')}</p>`;
};

/**
 * Password change and reset (by a code the notifier delivers), both without a session, each
 * audited once; answers never reveal whether a login name exists. A change is a sensitive
 * change: it needs the current password and, in the same request, the account's strongest
 * factor (a security code when it has an authenticator app).
 */
export const passwordRouter = (deps: PasswordPageDeps): PageRouter => {
  const attempt = (ctx: Ctx) => ({ zone: deps.zone, sourceIp: ctx.ip, userAgent: ctx.get('user-agent') });
  /** A changed or reset password is told to the person on every channel they have. */
  const notify = async (account: Account, lang: Lang) => {
    await sendNotice(deps.mail, account, 'password-changed', lang);
  };

  const resetRequest = async (ctx: Ctx) => {
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'resetTitle'),
        resetRequestBody(lang, { csrf: csrfCookie(ctx), interaction: interactionOf(ctx.query.interaction) }),
      );
    }
    const { form, lang } = readCookieForm(ctx);
    const interaction = interactionOf(form.interaction);
    const username = (form.username ?? '').trim();
    const problem = fieldProblem(lang, 'username', 'username', username, 64);
    if (problem) {
      return render(
        ctx,
        400,
        lang,
        t(lang, 'resetTitle'),
        resetRequestBody(lang, { csrf: csrfCookie(ctx), interaction, errors: [problem] }),
      );
    }
    if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, 'throttled');
    if (!(await deps.resetSources.allow(`reset|${ctx.ip}`))) {
      await deps.audit.append({
        ...attempt(ctx),
        type: 'password.reset_requested',
        outcome: 'denied',
        reason: 'too many reset requests from this source',
      });
      throw new PageError(429, 'throttled');
    }
    // Every request is audited once, known name or not, so both cost the same.
    const result = await deps.reset.request(username, lang);
    await deps.audit.append({
      ...attempt(ctx),
      type: 'password.reset_requested',
      outcome: result.sent ? 'success' : result.limited ? 'denied' : 'failure',
      subject: result.account?.id,
      reason: result.sent
        ? undefined
        : result.limited
          ? 'reset limit for this login name reached'
          : 'unknown or disabled login name',
    });
    return render(
      ctx,
      200,
      lang,
      t(lang, 'resetConfirmTitle'),
      resetConfirmBody(lang, {
        csrf: csrfCookie(ctx),
        interaction,
        values: { username },
        notice: t(lang, 'resetSent'),
      }),
    );
  };

  const resetConfirm = async (ctx: Ctx) => {
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'resetConfirmTitle'),
        resetConfirmBody(lang, { csrf: csrfCookie(ctx), interaction: interactionOf(ctx.query.interaction) }),
      );
    }
    const { form, lang } = readCookieForm(ctx);
    const interaction = interactionOf(form.interaction);
    const username = (form.username ?? '').trim();
    const weak = newPasswordProblem(lang, 'password', form.password ?? '');
    const again = (status: number, errors: FieldError[]) =>
      render(
        ctx,
        status,
        lang,
        t(lang, 'resetConfirmTitle'),
        resetConfirmBody(lang, { csrf: csrfCookie(ctx), interaction, values: { username }, errors }),
      );
    if (weak) return again(400, [weak]);
    if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, 'throttled');
    const account =
      username.length <= 64 ? await deps.reset.confirm(username, form.code ?? '', form.password!) : undefined;
    if (!account) {
      await deps.audit.append({
        ...attempt(ctx),
        type: 'password.reset',
        outcome: 'failure',
        reason: 'wrong, expired or used code',
      });
      return again(400, [{ field: 'code', message: t(lang, 'resetInvalid') }]);
    }
    await deps.lockout.clear(account.loginName);
    await deps.audit.append({
      ...attempt(ctx),
      type: 'password.reset',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
    });
    await notify(account, lang);
    // From a service: back into its sign-in, which carries on in this browser only (the digest
    // of its CSRF cookie) and asks for any second factor the account has (steps/show.ts).
    const browser = browserDigest(ctx);
    if (interaction && browser) {
      await deps.reset.handOver(interaction, account.id, browser);
      return redirect(ctx, `${basePathOf(ctx)}/interaction/${interaction}`);
    }
    return render(
      ctx,
      200,
      lang,
      t(lang, 'resetDoneTitle'),
      messageBody(t(lang, 'resetDoneTitle'), t(lang, 'resetDone'), nextStepsAfterReset(lang, deps.zone)),
    );
  };

  const rp = relyingPartyOf(deps.issuer);

  // One challenge per browser (its CSRF cookie), used once, within a few minutes.
  const passkeyOptions = async (ctx: Ctx) => {
    if (!csrfCookieValid(ctx, ctx.get('x-csrf-token'))) throw new PageError(403, 'step_pageExpired');
    if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, 'throttled');
    const options = await assertionOptions(rp);
    await deps.challenges.save(csrfCookie(ctx), options.challenge);
    ctx.status = 200;
    ctx.type = 'json';
    ctx.set('cache-control', 'no-store');
    ctx.body = options;
  };

  /** The account's own passkey answered this browser's live challenge (which is used up). */
  const passkeyConfirms = async (ctx: Ctx, account: Account, assertion: string): Promise<boolean> => {
    const challenge = await deps.challenges.take(csrfCookie(ctx));
    if (!challenge) return false;
    let body: unknown;
    try {
      body = JSON.parse(assertion);
    } catch {
      return false;
    }
    const proof = await verifyPasskeyAssertion(deps.accounts, rp, body, challenge);
    if (proof?.passkey.accountId !== account.id || !account.passkeyIds.includes(proof.passkey.credentialId))
      return false;
    await deps.accounts.updatePasskeyCounter(proof.passkey.credentialId, proof.newCounter);
    return true;
  };

  const change = async (ctx: Ctx) => {
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'changeTitle'),
        changePasswordBody(lang, { csrf: csrfCookie(ctx) }),
        passkeyConfirmScript(),
      );
    }
    const { form, lang } = readCookieForm(ctx);
    const username = (form.username ?? '').trim();
    const again = (status: number, errors: FieldError[]) =>
      render(
        ctx,
        status,
        lang,
        t(lang, 'changeTitle'),
        changePasswordBody(lang, { csrf: csrfCookie(ctx), values: { username }, errors }),
        passkeyConfirmScript(),
      );
    const errors = fieldProblems(
      fieldProblem(lang, 'username', 'username', username, 64),
      fieldProblem(lang, 'current', 'currentPassword', form.current ?? '', 256),
    );
    const weak = newPasswordProblem(lang, 'password', form.password ?? '');
    if (weak) errors.push(weak);
    if (errors.length) return again(400, errors);
    const at = attempt(ctx);
    const result = await authenticatePassword(deps, username, form.current!, at);
    const zone = personTimeZone(form.tz, ctx.get('accept-language'));
    if (result.outcome === 'locked')
      return again(423, [
        {
          field: 'current',
          message: pausedMessage(lang, { lockedUntil: result.until, scope: result.scope }, zone),
        },
      ]);
    if (result.outcome !== 'ok')
      return again(result.outcome === 'throttled' ? 429 : 401, [
        { field: 'current', message: t(lang, 'invalidCredentials') },
      ]);
    const { account } = result;
    // The password alone never changes the password of an account that has more.
    const strongest = strongestFactor(account);
    const amr = ['pwd'];
    const audit = (
      type: string,
      outcome: 'success' | 'failure' | 'denied',
      reason?: string,
      details?: AuditEventInput['details'],
    ) =>
      deps.audit.append({
        ...at,
        type,
        outcome,
        actor: account.id,
        subject: account.id,
        reason,
        details,
      });
    // A wrong second factor here spends the same failure budget as at sign-in (a right password
    // clears none of it), so knowing the password does not buy endless guesses at the code.
    const secondFactorRefused = async (method: string) => {
      const before = await deps.lockout.state(account.loginName, at.sourceIp);
      const after = await countFailure(deps, account.loginName, at, before, {
        ...at,
        type: 'mfa.failure',
        outcome: 'failure',
        actor: account.id,
        subject: account.id,
        reason: 'second factor not confirmed for a password change',
        details: { method },
      });
      return after.locked ? pausedMessage(lang, after, zone) : undefined;
    };
    if (strongest === 'passkey') {
      if (!form.passkey)
        return again(401, [{ field: 'passkey-confirm', message: t(lang, 'changeNeedsPasskey') }]);
      if (!(await passkeyConfirms(ctx, account, form.passkey))) {
        const locked = await secondFactorRefused('passkey');
        if (locked) return again(423, [{ field: 'passkey-confirm', message: locked }]);
        return again(401, [{ field: 'passkey-confirm', message: t(lang, 'passkeyNotConfirmed') }]);
      }
      amr.push('hwk');
    }
    if (strongest === 'totp') {
      const code = form.otp ?? '';
      if (!code) return again(401, [{ field: 'otp', message: t(lang, 'changeNeedsCode') }]);
      const method = await checkSecondFactorCode(deps.accounts, deps.totpVault, account, code);
      if (!method) {
        const locked = await secondFactorRefused(/^\d{6}$/.test(code.trim()) ? 'totp' : 'recovery-code');
        if (locked) return again(423, [{ field: 'otp', message: locked }]);
        return again(401, [{ field: 'otp', message: t(lang, 'otpInvalid') }]);
      }
      amr.push('otp');
    }
    await deps.accounts.update(account, {
      password: await hashPassword(form.password!),
      sessionsValidAfter: epochSeconds(),
      // A one-time password changed here is changed: the first sign-in then only asks for the
      // second factor it still lacks.
      mustChangePassword: false,
    });
    await audit('password.changed', 'success', undefined, { amr });
    await notify(account, lang);
    return render(
      ctx,
      200,
      lang,
      t(lang, 'changeTitle'),
      messageBody(t(lang, 'changeTitle'), t(lang, 'changeDone')),
    );
  };

  const outbox = async (ctx: Ctx) => {
    const lang = langOf(ctx);
    const rows = [...(deps.outbox?.messages ?? [])].reverse();
    return render(
      ctx,
      200,
      lang,
      t(lang, 'outboxTitle'),
      messageBody(
        t(lang, 'outboxTitle'),
        'Messages local mode would have sent. On AWS they go out by email (SES) or SMS (AWS End User Messaging).',
        html`<ul id="outbox">${rows.map((m) => html`<li><span class="to">${m.to.loginName}</span> · <span class="kind">${m.kind}</span>${'code' in m ? html` · <code class="code">${m.code}</code>` : ''}${m.kind === 'notice' ? html` · <span class="notice">${m.notice}</span>` : ''} · <span class="channel">${m.channel ?? 'email'}</span> <span class="address">${addressOf(m) ?? ''}</span> · ${m.sentAt}</li>`)}</ul>`,
      ),
    );
  };

  const page = (answer: (ctx: Ctx) => Promise<void>, json = false): PageRoute => ({ answer, json });
  const router = new Router<PageRoute>()
    .on('GET', '/password/reset', page(resetRequest))
    .on('POST', '/password/reset', page(resetRequest))
    .on('GET', '/password/reset/confirm', page(resetConfirm))
    .on('POST', '/password/reset/confirm', page(resetConfirm))
    .on('GET', '/password/change', page(change))
    .on('POST', '/password/change', page(change))
    .on('POST', PASSKEY_OPTIONS_PATH, page(passkeyOptions, true));
  if (deps.outbox) router.on('GET', '/outbox', page(outbox));
  return router;
};

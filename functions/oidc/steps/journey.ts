import {
  type Account,
  lockedOut,
  newTotpSecret,
  provesStrongestFactor,
  totpUri,
} from '../../../libs/accounts/index.ts';
import { type Lang, t } from '../../../libs/web/index.ts';
import { langOf, PageError, redirect, render } from '../page-kit.ts';
import { enrolBody, firstPasswordBody, otpBody, passkeyRequiredBody, protectBody } from '../views.ts';
import { webauthnScript } from '../webauthn-script.ts';
import type { Ctx, Details, StepKit } from './kit.ts';
import { hasSecondFactor, loaOfAmr, type SignInOutcome } from './outcome.ts';
import { paused, personTimeZone } from './refusals.ts';

/** Everything a step may use: the kit, how a sign-in ends, and what the person proves next. */
export type SignIn = StepKit & SignInOutcome & SignInJourney;

/** What a person proves next, and the pages that ask for it. */
export const signInJourney = (s: StepKit & SignInOutcome) => {
  const { deps, firstTime } = s;

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
    /** A password reset handed this sign-in over: email access is no second factor. */
    afterReset = false,
  ): Promise<void> => {
    // The policies say who may use the service at all, and the level they need for it.
    const verdict = await s.policyVerdict(d, account, 1, amr);
    if (verdict.lowestLoa === undefined) {
      return redirect(ctx, await s.refuse(ctx, d, account, amr, verdict));
    }
    const need = Math.max(await s.required(d), verdict.lowestLoa);
    const proven = hasSecondFactor(amr);
    const passkeys = account.passkeyIds.length > 0;
    if (firstTime.needsNewPassword(account, amr)) return showFirstPassword(ctx, d, account, lang, amr);
    if (need >= 3 && !amr.includes('hwk')) {
      // Only a passkey reaches level 3. Adding one needs the factor the account already has.
      if (passkeys || !account.totp || proven) return showPasskeyRequired(ctx, d, account, lang, amr);
    }
    // After a reset the account's own second factor is asked for whatever the service needs:
    // a code sent by email proves the mailbox, never the factor the account holds.
    if (afterReset && !proven && passkeys && !account.totp)
      return showPasskeyRequired(ctx, d, account, lang, amr);
    if (!proven && account.totp) {
      await deps.pending.save(d.uid, { accountId: account.id, amr });
      return render(ctx, 200, lang, t(lang, 'otpTitle'), otpBody(await s.context(ctx, d, lang), { stepUp }));
    }
    if (!proven && (need >= 2 || firstTime.needsSecondFactor(account))) {
      return passkeys
        ? showPasskeyRequired(ctx, d, account, lang, amr)
        : showEnrolment(ctx, d, account, lang, amr);
    }
    if (!proven && !passkeys && ctx.cookies.get('yitong_protect_later') !== '1') {
      await deps.pending.save(d.uid, { accountId: account.id, amr });
      return render(
        ctx,
        200,
        lang,
        t(lang, 'protectTitle'),
        protectBody(await s.context(ctx, d, lang)),
        webauthnScript(d.uid, 'register'),
      );
    }
    return redirect(ctx, await s.finishLogin(ctx, d, account, loaOfAmr(amr), amr));
  };

  const showFirstPassword = async (
    ctx: Ctx,
    d: Details,
    account: Account,
    lang: Lang,
    amr: string[],
    errors?: Parameters<typeof firstPasswordBody>[1],
  ) => {
    await deps.pending.save(d.uid, { accountId: account.id, amr });
    return render(
      ctx,
      errors ? 400 : 200,
      lang,
      t(lang, 'firstPasswordTitle'),
      firstPasswordBody(await s.context(ctx, d, lang), errors),
    );
  };

  /** The service needs level 3: only a passkey will do (a second factor would only loop back here). */
  const showPasskeyRequired = async (ctx: Ctx, d: Details, account: Account, lang: Lang, amr: string[]) => {
    await deps.pending.save(d.uid, { accountId: account.id, amr });
    const hasPasskey = account.passkeyIds.length > 0;
    return render(
      ctx,
      200,
      lang,
      t(lang, 'passkeyRequiredTitle'),
      passkeyRequiredBody(await s.context(ctx, d, lang), hasPasskey),
      webauthnScript(d.uid, hasPasskey ? 'login' : 'register'),
    );
  };

  /**
   * Every step that adds a second factor (the authenticator's page, its confirmation, a
   * passkey's options and registration) checks, before doing anything, what finishing would:
   * the login name is not locked, the one-time password was replaced first, and the factor the
   * account already has was proven (else a stolen password, or a second factor weaker than a
   * passkey, would be enough to add or reset one's own).
   */
  const mayEnrol = async (ctx: Ctx, d: Details, account: Account, amr: readonly string[]) => {
    const lock = await lockedOut(deps, account.loginName, account.id, s.attempt(ctx, d), 'mfa.failure');
    if (lock.locked)
      throw paused(langOf(ctx), lock, personTimeZone(undefined, ctx.get('accept-language')), d.uid);
    if (account.mustChangePassword) throw new PageError(403, 'step_firstPasswordFirst');
    if (!provesStrongestFactor(account, amr)) throw new PageError(403, 'step_addFactorRefused');
  };

  /** The authenticator app's page: the secret being enrolled (kept, sealed, across retries) and its QR code. */
  const showEnrolment = async (
    ctx: Ctx,
    d: Details,
    account: Account,
    lang: Lang,
    amr: string[],
    error?: string,
    /** The person chose to add it (the protect page), rather than the service requiring it. */
    chosen = false,
  ) => {
    await mayEnrol(ctx, d, account, amr);
    const existing = await deps.pending.load(d.uid);
    const secret = existing?.totpSecret
      ? await deps.totpVault.open(account.id, existing.totpSecret)
      : newTotpSecret();
    await deps.pending.save(d.uid, {
      accountId: account.id,
      amr,
      totpSecret: await deps.totpVault.seal(account.id, secret),
    });
    // The QR library loads on first use (a chunk of its own): discovery and sign-ins never need it.
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toDataURL(totpUri(secret, account.loginName), { margin: 1, width: 200 });
    render(
      ctx,
      error ? 400 : 200,
      lang,
      t(lang, 'enrolTitle'),
      enrolBody(await s.context(ctx, d, lang), { qrSvgDataUrl: qr, secret, error, chosen }),
    );
  };

  return { nextStep, showFirstPassword, showPasskeyRequired, mayEnrol, showEnrolment };
};

export type SignInJourney = ReturnType<typeof signInJourney>;

import { hashRecoveryCodes, newRecoveryCodes, sendNotice, totpStep } from '../../../libs/accounts/index.ts';
import { t } from '../../../libs/web/index.ts';
import { langOf, PageError, render } from '../page-kit.ts';
import { recoveryBody, recoveryScript } from '../views.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

/** POST /interaction/{uid}/enrol: confirms the authenticator app with a code, then shows recovery codes. */
export const enrolStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const { form, d } = await s.postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await s.pendingAccount(uid);
    await s.mayEnrol(ctx, d, account, pending.amr);
    const secret = pending?.totpSecret && (await deps.totpVault.open(account.id, pending.totpSecret));
    const step = secret ? totpStep(secret, (form.otp ?? '').trim()) : undefined;
    if (!secret || step === undefined) {
      return s.showEnrolment(
        ctx,
        d,
        account,
        lang,
        pending?.amr ?? ['pwd'],
        t(lang, 'otpInvalid'),
        form.chosen === '1',
      );
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
      ...s.attempt(ctx, d),
      type: 'mfa.enrolled',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      details: { method: 'totp' },
    });
    await sendNotice(deps.mail, account, 'totp-added', lang);
    await deps.pending.save(uid, {
      accountId: account.id,
      amr: [...new Set([...pending.amr, 'otp', 'mfa'])],
    });
    return render(
      ctx,
      200,
      lang,
      t(lang, 'recoveryTitle'),
      recoveryBody(await s.context(ctx, d, lang), codes, account.loginName),
      recoveryScript,
    );
  };

/** POST /interaction/{uid}/finish: after the recovery codes were shown (the code proved the factor). */
export const finishStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { d } = await s.postedStep(ctx, uid);
    const { pending, account } = await s.pendingAccount(uid);
    if (!account.totp || !pending.amr.includes('otp')) throw new PageError(400, 'step_codeStepFirst');
    return s.nextStep(ctx, d, account, langOf(ctx), pending.amr);
  };

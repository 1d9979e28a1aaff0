import {
  checkSecondFactorCode,
  countFailure,
  lockedOut,
  sendNotice,
  sourceThrottled,
} from '../../../libs/accounts/index.ts';
import { t } from '../../../libs/web/index.ts';
import { langOf, PageError, render } from '../page-kit.ts';
import { otpBody } from '../views.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';
import { paused, personTimeZone, triesLeftMessage } from './refusals.ts';

/**
 * POST /interaction/{uid}/otp: the second factor, a TOTP or recovery code. Throttled per source;
 * refused unevaluated while the login name is locked; each code takes one of the interaction's
 * few attempts before it is evaluated (so codes sent at once cannot race past the limit), and
 * every wrong code counts in the name's budget (which a right password does not reset) too.
 */
export const secondFactorStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const { form, d } = await s.postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await s.pendingAccount(uid);
    const at = s.attempt(ctx, d);
    if (await sourceThrottled(deps, at)) throw new PageError(429, 'throttled');
    const before = await lockedOut(deps, account.loginName, account.id, at, 'mfa.failure');
    if (before.locked) throw paused(lang, before, personTimeZone(form.tz, ctx.get('accept-language')), uid);
    const leftHere = await deps.attempts.take(uid);
    if (leftHere === undefined) throw await s.interactionEnded(ctx, lang);
    const code = (form.otp ?? '').replace(/\s+/g, '');
    const method = /^\d{6}$/.test(code) ? 'totp' : 'recovery-code';
    const ok = (await checkSecondFactorCode(deps.accounts, deps.totpVault, account, code)) !== undefined;
    const base = { ...at, actor: account.id, subject: account.id };
    if (ok) {
      await deps.attempts.giveBack(uid);
      await deps.audit.append({ ...base, type: 'mfa.success', outcome: 'success', details: { method } });
      // A recovery code is the way in when the app is lost, or stolen: the person hears of it.
      if (method === 'recovery-code') await sendNotice(deps.mail, account, 'recovery-code-used', lang);
      return s.nextStep(ctx, d, account, lang, [...new Set([...pending.amr, 'otp', 'mfa'])]);
    }
    const after = await countFailure(deps, account.loginName, at, before, {
      ...base,
      type: 'mfa.failure',
      outcome: 'failure',
      details: { method },
    });
    // Only the request that took the last attempt ends the interaction (and says so once).
    if (leftHere === 0) {
      await deps.pending.delete(uid);
      await deps.audit.append({
        ...base,
        type: 'login.ended',
        outcome: 'denied',
        reason: `${deps.attempts.limit} wrong second-factor codes in one sign-in`,
      });
      if (!after.locked) throw await s.interactionEnded(ctx, lang);
    }
    if (after.locked) throw paused(lang, after, personTimeZone(form.tz, ctx.get('accept-language')), uid);
    return render(
      ctx,
      400,
      lang,
      t(lang, 'otpTitle'),
      otpBody(await s.context(ctx, d, lang), {
        stepUp: false,
        error: `${t(lang, 'otpInvalid')} ${
          leftHere < after.triesLeft
            ? t(lang, 'codesLeft', { count: leftHere })
            : triesLeftMessage(lang, after.triesLeft, after.nextWaitSeconds)
        }`,
      }),
    );
  };

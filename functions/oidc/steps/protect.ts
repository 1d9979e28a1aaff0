import { langOf, PageError, redirect } from '../page-kit.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

/** POST /interaction/{uid}/protect: the offer of a second factor, taken (authenticator app) or put off. */
export const protectStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { form, d } = await s.postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await s.pendingAccount(uid);
    if (form.choice === 'totp') return s.showEnrolment(ctx, d, account, lang, pending.amr, undefined, true);
    // "Not now" is only for accounts with no second factor; anyone else must use theirs.
    if (account.totp || account.passkeyIds.length > 0) throw new PageError(403, 'step_addFactorRefused');
    ctx.cookies.set('yitong_protect_later', '1', {
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 30 * 86_400_000,
      signed: false,
      secure: ctx.secure,
    });
    // The account has no second factor (checked above): this sign-in is level 1.
    return redirect(ctx, await s.finishLogin(ctx, d, account, 1, pending.amr));
  };

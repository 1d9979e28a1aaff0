import { langOf, PageError } from '../page-kit.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

/** POST /interaction/{uid}/new-password: the first sign-in's own password, in place of the one-time password. */
export const firstPasswordStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { form, d } = await s.postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await s.pendingAccount(uid);
    if (!pending.amr.includes('pwd') || !s.firstTime.needsNewPassword(account, pending.amr))
      throw new PageError(400, 'step_noNewPassword');
    const { client, zone, sourceIp, userAgent, correlationId } = s.attempt(ctx, d);
    const chosen = await s.firstTime.choosePassword(account, form, lang, {
      client,
      zone,
      sourceIp,
      userAgent,
      correlationId,
    });
    if ('errors' in chosen) return s.showFirstPassword(ctx, d, account, lang, pending.amr, chosen.errors);
    return s.nextStep(ctx, d, chosen.account, lang, pending.amr);
  };

import { redirect } from '../page-kit.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

/** POST /interaction/{uid}/abort: the person cancels; the service gets access_denied. */
export const abortStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { d } = await s.postedStep(ctx, uid);
    await s.deps.audit.append({
      ...s.attempt(ctx, d),
      type: 'login.cancelled',
      outcome: 'failure',
      reason: 'cancelled by the person',
    });
    return redirect(
      ctx,
      await s.provider.interactionResult(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'sign-in was cancelled' },
        { mergeWithLastSubmission: false },
      ),
    );
  };

import { redirect } from '../page-kit.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

/** POST /interaction/{uid}/abort: the person cancels; the service gets access_denied. */
export const abortStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { d } = await s.postedStep(ctx, uid);
    // A service that needs an identity verified in person (level 3), which cannot be proved
    // online: the service learns why, so it can tell the person (the only refusal for an IAL).
    const proofing = (await s.deps.pending.load(uid))?.proofing;
    const counter = proofing !== undefined && (proofing.ial >= 3 || s.deps.identity.source === undefined);
    await s.deps.audit.append({
      ...s.attempt(ctx, d),
      type: 'login.cancelled',
      outcome: 'failure',
      reason: counter ? 'identity must be verified in person' : 'cancelled by the person',
    });
    if (counter) {
      await s.deps.pending.delete(uid);
      return redirect(
        ctx,
        await s.provider.interactionResult(
          ctx.req,
          ctx.res,
          {
            error: 'access_denied',
            error_description: `the service requires identity assurance level ${proofing.ial} (urn:yitong:ial:${proofing.ial}): the person's identity must be verified in person at a service counter`,
          },
          { mergeWithLastSubmission: false },
        ),
      );
    }
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

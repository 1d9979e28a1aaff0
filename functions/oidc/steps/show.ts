import { loaOf } from '../../../libs/oidc/index.ts';
import { t } from '../../../libs/web/index.ts';
import { consentViewOf } from '../consent-view.ts';
import { browserDigest, langOf, PageError, redirect, render } from '../page-kit.ts';
import { consentBody, loginBody } from '../views.ts';
import { webauthnScript } from '../webauthn-script.ts';
import { showActFor } from './company.ts';
import { grantConsent, isFirstParty } from './consent.ts';
import type { SignIn } from './journey.ts';
import type { Ctx, Details, Step } from './kit.ts';
import { showProofing } from './proofing.ts';
import { registrationOpen } from './register.ts';

/**
 * A sign-in a password reset in this browser handed over: it carries on from the new
 * password, asking for any second factor the account has and the level the service needs.
 * Used once; ignored (the sign-in page instead) in any other browser or for any other prompt.
 */
const continueAfterReset = async (s: SignIn, ctx: Ctx, d: Details): Promise<boolean> => {
  const { deps } = s;
  const handedOver = await deps.pending.takeHandOver(d.uid);
  if (!handedOver) return false;
  const browser = browserDigest(ctx);
  if (d.prompt.name !== 'login' || !browser || handedOver.browser !== browser) return false;
  const account = await deps.accounts.findById(handedOver.accountId);
  if (account?.status !== 'active') return false;
  await s.nextStep(ctx, d, account, langOf(ctx), ['pwd'], false, true);
  return true;
};

/** GET /interaction/{uid}: the page for the prompt oidc-provider hands over (sign-in, step-up, consent, refusal). */
export const showStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const d = await s.details(ctx, uid);
    const lang = langOf(ctx);
    // One read: a refusal to explain, and whether a password reset handed this sign-in over.
    const { pending, handOverWaiting } = await deps.pending.peek(uid);
    if (pending?.denied) return s.showDenied(ctx, d, lang, pending.denied);
    if (pending?.proofing) return showProofing(s, ctx, d, lang, pending);
    if (handOverWaiting && (await continueAfterReset(s, ctx, d))) return;
    const c = await s.context(ctx, d, lang);
    if (d.prompt.name === 'login') {
      const sessionAccount = d.session?.accountId
        ? await deps.accounts.findById(d.session.accountId)
        : undefined;
      if (
        sessionAccount &&
        (d.prompt.reasons.includes('yitong_acr') || d.prompt.reasons.includes('yitong_policy'))
      ) {
        // Step-up: the person is known; ask only for what raises the level.
        return s.nextStep(ctx, d, sessionAccount, lang, ['pwd'], true);
      }
      if (sessionAccount && d.prompt.reasons.includes('yitong_ial')) {
        // Signed in already, at the level the service needs, but it needs a verified identity:
        // the sign-in finishes as it stands, which asks the person to prove their identity first.
        const loa = Math.min(Math.max(loaOf(d.session?.acr), 1), 3) as 1 | 2 | 3;
        return redirect(ctx, await s.finishLogin(ctx, d, sessionAccount, loa, d.session?.amr ?? ['pwd']));
      }
      return render(
        ctx,
        200,
        lang,
        t(lang, 'signInTitle'),
        loginBody(c, { passkeys: true, register: registrationOpen(deps.zone) }),
        webauthnScript(uid, 'login'),
      );
    }
    if (d.prompt.name === 'consent') {
      // yitong's own portals are the platform the person signed in to: nothing to consent to.
      if (isFirstParty(d) && d.session?.accountId)
        return redirect(ctx, await grantConsent(s, ctx, d, d.session.accountId, true));
      const view = await consentViewOf(d, deps.registry, deps.issuer);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'consentTitle', { client: c.clientName }),
        consentBody(c, view, view.digest),
      );
    }
    if (d.prompt.name === 'yitong_company') return showActFor(s, ctx, d);
    throw new PageError(400, 'step_unsupportedPrompt', { prompt: d.prompt.name });
  };

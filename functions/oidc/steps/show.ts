import { t } from '../../../libs/web/index.ts';
import { consentViewOf } from '../consent-view.ts';
import { langOf, PageError, render } from '../page-kit.ts';
import { consentBody, loginBody } from '../views.ts';
import { webauthnScript } from '../webauthn-script.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

/** GET /interaction/{uid}: the page for the prompt oidc-provider hands over (sign-in, step-up, consent, refusal). */
export const showStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const d = await s.details(ctx, uid);
    const lang = langOf(ctx);
    const denied = (await deps.pending.load(uid))?.denied;
    if (denied) return s.showDenied(ctx, d, lang, denied);
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
      const notice = ctx.query.registered === '1' ? t(lang, 'accountCreated') : undefined;
      return render(
        ctx,
        200,
        lang,
        t(lang, 'signInTitle'),
        loginBody(c, { passkeys: true, notice }),
        webauthnScript(uid, 'login'),
      );
    }
    if (d.prompt.name === 'consent') {
      const view = await consentViewOf(d, deps.registry, deps.issuer);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'consentTitle', { client: c.clientName }),
        consentBody(c, view, view.digest),
      );
    }
    throw new PageError(400, `unsupported prompt ${d.prompt.name}`);
  };

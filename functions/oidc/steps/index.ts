import { isRouteFound, Router } from '../../../libs/http/index.ts';
import { t } from '../../../libs/web/index.ts';
import { langOf, PageError, render } from '../page-kit.ts';
import { messageBody } from '../views.ts';
import { abortStep } from './abort.ts';
import { consentStep } from './consent.ts';
import { firstPasswordStep } from './first-password.ts';
import { type SignIn, signInJourney } from './journey.ts';
import { type Ctx, type InteractionDeps, json, type Step, stepKit } from './kit.ts';
import { signInOutcome } from './outcome.ts';
import { passkeyLoginOptionsStep, passkeyLoginStep } from './passkey-login.ts';
import { passkeyRegisterOptionsStep, passkeyRegisterStep } from './passkey-register.ts';
import { passwordStep } from './password.ts';
import { protectStep } from './protect.ts';
import { SignInPaused } from './refusals.ts';
import { interactionRegisterStep, registerStep } from './register.ts';
import { secondFactorStep } from './second-factor.ts';
import { showStep } from './show.ts';
import { enrolStep, finishStep } from './totp-enrolment.ts';

export type { InteractionDeps } from './kit.ts';

/** An interaction path whose id is one oidc-provider could have made; any other is no page at all. */
const INTERACTION_PATH = /^\/interaction\/[\w-]{1,64}(?:\/[\w-]+)*$/;

/** The routes of the journey, one step each (as oidc-provider composes its authorization actions). */
const stepRoutes = (s: SignIn) => {
  const register = registerStep(s);
  const registerHere = interactionRegisterStep(s);
  return new Router<Step>()
    .on('GET', '/interaction/{uid}', showStep(s))
    .on('POST', '/interaction/{uid}/login', passwordStep(s))
    .on('POST', '/interaction/{uid}/otp', secondFactorStep(s))
    .on('POST', '/interaction/{uid}/enrol', enrolStep(s))
    .on('POST', '/interaction/{uid}/finish', finishStep(s))
    .on('POST', '/interaction/{uid}/protect', protectStep(s))
    .on('POST', '/interaction/{uid}/consent', consentStep(s))
    .on('POST', '/interaction/{uid}/abort', abortStep(s))
    .on('POST', '/interaction/{uid}/new-password', firstPasswordStep(s))
    .on('POST', '/interaction/{uid}/passkey/login-options', passkeyLoginOptionsStep(s))
    .on('POST', '/interaction/{uid}/passkey/login', passkeyLoginStep(s))
    .on('POST', '/interaction/{uid}/passkey/register-options', passkeyRegisterOptionsStep(s))
    .on('POST', '/interaction/{uid}/passkey/register', passkeyRegisterStep(s))
    .on('GET', '/interaction/{uid}/register', registerHere)
    .on('POST', '/interaction/{uid}/register', registerHere)
    .on('GET', '/register', register)
    .on('POST', '/register', register);
};

/** A refusal the person sees: a page, or JSON for the passkey calls; undefined for a server fault. */
const refusalStatus = (err: unknown): number | undefined => {
  if (err instanceof PageError) return err.status;
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status < 500 ? status : undefined;
};

/**
 * The sign-in journey oidc-provider hands over to us at /interaction/{uid} — login, second
 * factor, enrolment, passkeys, consent — plus self-registration. Server-rendered, usable
 * without JavaScript, in Chinese and English, every POST CSRF-checked. Each step is its own
 * file; they share the kit (the interaction, its pending state) and the journey (what next).
 */
export const interactionRoutes = (deps: InteractionDeps) => {
  const kit = stepKit(deps);
  const withOutcome = { ...kit, ...signInOutcome(kit) };
  const router = stepRoutes({ ...withOutcome, ...signInJourney(withOutcome) });

  return async (ctx: Ctx, next: () => Promise<void>): Promise<void> => {
    const path = ctx.path;
    if (path !== '/register' && !path.startsWith('/interaction/')) return next();
    try {
      const found =
        path === '/register' || INTERACTION_PATH.test(path) ? router.match(ctx.method, path) : undefined;
      if (!found) throw new PageError(404, 'there is no such page');
      if (!isRouteFound(found)) throw new PageError(405, `use ${found.allowed.join(' or ')}`);
      await found.handler(ctx, found.params.uid ?? '');
    } catch (err: unknown) {
      const status = refusalStatus(err);
      if (status === undefined) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (path.includes('/passkey/')) return json(ctx, status, { error: 'invalid_request', detail: message });
      const lang = langOf(ctx);
      const title = err instanceof SignInPaused ? err.title : t(lang, 'errorTitle');
      return render(
        ctx,
        status,
        lang,
        title,
        messageBody(title, message, err instanceof SignInPaused ? err.help : undefined),
      );
    }
  };
};

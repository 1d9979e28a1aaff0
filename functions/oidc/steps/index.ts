import { Router } from '../../../libs/http/index.ts';
import { NoSuchPage, type PageRoute, type PageRouter } from '../page-routes.ts';
import { abortStep } from './abort.ts';
import { companyStep } from './company.ts';
import { consentStep } from './consent.ts';
import { firstPasswordStep } from './first-password.ts';
import { type SignIn, signInJourney } from './journey.ts';
import { type InteractionDeps, type Step, stepKit } from './kit.ts';
import { signInOutcome } from './outcome.ts';
import { passkeyLoginOptionsStep, passkeyLoginStep } from './passkey-login.ts';
import { passkeyRegisterOptionsStep, passkeyRegisterStep } from './passkey-register.ts';
import { passwordStep } from './password.ts';
import { proofingCodeStep, proofingResendStep, proofingStep } from './proofing.ts';
import { protectStep } from './protect.ts';
import { interactionRegisterStep, registerStep } from './register.ts';
import { secondFactorStep } from './second-factor.ts';
import { showStep } from './show.ts';
import { enrolStep, finishStep } from './totp-enrolment.ts';

export type { InteractionDeps } from './kit.ts';

/** An interaction id oidc-provider could have made; any other names no page at all. */
const INTERACTION_ID = /^[\w-]{1,64}$/;

/** A step of interaction `{uid}`, behind the id's shape check. */
const step = (run: Step, options: { json?: boolean } = {}): PageRoute => ({
  ...options,
  guard: ({ uid = '' }) => {
    if (!INTERACTION_ID.test(uid)) throw new NoSuchPage();
  },
  answer: (ctx, { uid = '' }) => run(ctx, uid),
});

/** A page outside any interaction (registration started at yitong itself). */
const outside = (run: Step): PageRoute => ({ answer: (ctx) => run(ctx, '') });

/**
 * The sign-in journey oidc-provider hands over to us at /interaction/{uid} — login, second
 * factor, enrolment, passkeys, consent — plus self-registration, one route per step (as
 * oidc-provider composes its authorization actions). Server-rendered, usable without
 * JavaScript, in Chinese and English, every POST CSRF-checked. Each step is its own file; they
 * share the kit (the interaction, its pending state) and the journey (what next).
 */
export const interactionRouter = (deps: InteractionDeps): PageRouter => {
  const kit = stepKit(deps);
  const withOutcome = { ...kit, ...signInOutcome(kit) };
  const s: SignIn = { ...withOutcome, ...signInJourney(withOutcome) };
  const register = outside(registerStep(s));
  const registerHere = step(interactionRegisterStep(s));
  const json = { json: true };
  return new Router<PageRoute>()
    .on('GET', '/interaction/{uid}', step(showStep(s)))
    .on('POST', '/interaction/{uid}/login', step(passwordStep(s)))
    .on('POST', '/interaction/{uid}/otp', step(secondFactorStep(s)))
    .on('POST', '/interaction/{uid}/enrol', step(enrolStep(s)))
    .on('POST', '/interaction/{uid}/finish', step(finishStep(s)))
    .on('POST', '/interaction/{uid}/protect', step(protectStep(s)))
    .on('POST', '/interaction/{uid}/consent', step(consentStep(s)))
    .on('POST', '/interaction/{uid}/company', step(companyStep(s)))
    .on('POST', '/interaction/{uid}/abort', step(abortStep(s)))
    .on('POST', '/interaction/{uid}/identity', step(proofingStep(s)))
    .on('POST', '/interaction/{uid}/identity/code', step(proofingCodeStep(s)))
    .on('POST', '/interaction/{uid}/identity/resend', step(proofingResendStep(s)))
    .on('POST', '/interaction/{uid}/new-password', step(firstPasswordStep(s)))
    .on('POST', '/interaction/{uid}/passkey/login-options', step(passkeyLoginOptionsStep(s), json))
    .on('POST', '/interaction/{uid}/passkey/login', step(passkeyLoginStep(s), json))
    .on('POST', '/interaction/{uid}/passkey/register-options', step(passkeyRegisterOptionsStep(s), json))
    .on('POST', '/interaction/{uid}/passkey/register', step(passkeyRegisterStep(s), json))
    .on('GET', '/interaction/{uid}/register', registerHere)
    .on('POST', '/interaction/{uid}/register', registerHere)
    .on('GET', '/register', register)
    .on('POST', '/register', register);
};

import { type Account, ialOf, lockedOut } from '../../../libs/accounts/index.ts';
import { ACR } from '../../../libs/oidc/index.ts';
import type { AccessControl, LoginVerdict } from '../../../libs/policy/index.ts';
import { type Lang, t } from '../../../libs/web/index.ts';
import { basePathOf, langOf, PageError, render } from '../page-kit.ts';
import { type DeniedReason, deniedBody } from '../views.ts';
import type { Ctx, Details, StepKit } from './kit.ts';
import { paused, personTimeZone } from './refusals.ts';

type PolicyClientMetadata = Parameters<AccessControl['login']>[1];
type Denied = { readonly policyIds: string[]; readonly eventRef: string };

/** A second factor proven in this sign-in: a TOTP or recovery code, or a passkey. */
export const hasSecondFactor = (amr: readonly string[]): boolean =>
  amr.includes('otp') || amr.includes('hwk');

/** The level what was proven reaches: a passkey 3, another second factor 2, a password 1. */
export const loaOfAmr = (amr: readonly string[]): 1 | 2 | 3 =>
  amr.includes('hwk') ? 3 : hasSecondFactor(amr) ? 2 : 1;

/** The plain-words reason for a refused sign-in, from the policies that refused it. */
const deniedReasonOf = (policyIds: readonly string[]): DeniedReason => {
  if (policyIds.includes('forbid-inactive-account')) return 'deniedReasonInactive';
  if (policyIds.includes('forbid-disabled-client-login')) return 'deniedReasonClient';
  if (policyIds.includes('zone-client-pinned')) return 'deniedReasonZone';
  // Below the client's identity level, and not (or not yet) taken through proving it: say how.
  if (policyIds.includes('login-client-required-ial')) return 'deniedReasonIdentity';
  return 'deniedReasonRole';
};

/** How a sign-in ends: the policies' verdict, a refusal explained, or the login completed. */
export const signInOutcome = (kit: StepKit) => {
  const { deps, provider } = kit;

  /**
   * The zone and role policies for this person and service, at the level proven so far:
   * the verdict, and the lowest level that would be allowed (undefined: none would).
   */
  const policyVerdict = async (d: Details, account: Account, loa: number, amr: readonly string[]) => {
    const { client } = await kit.clientOf(d);
    return deps.access.login({ ...account, ial: ialOf(account) }, client.metadata() as PolicyClientMetadata, {
      acr: ACR[Math.min(Math.max(loa, 1), 3) as 1 | 2 | 3],
      amr,
    });
  };

  /**
   * A policy refused the sign-in: audited once, remembered on the interaction, and the
   * person sent to the interaction page, which explains and hands access_denied back.
   */
  const refuse = async (ctx: Ctx, d: Details, account: Account, amr: string[], verdict: LoginVerdict) => {
    const eventRef = await deps.access.record(verdict.request, verdict.decision, {
      ...kit.attempt(ctx, d),
      actor: account.id,
    });
    const denied = { policyIds: [...verdict.decision.policyIds], eventRef };
    await deps.pending.save(d.uid, { accountId: account.id, amr, denied });
    return `${basePathOf(ctx)}/interaction/${d.uid}`;
  };

  const showDenied = async (ctx: Ctx, d: Details, lang: Lang, denied: Denied) => {
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      {
        error: 'access_denied',
        error_description: 'the zone and role policies do not allow this account to use this service',
      },
      { mergeWithLastSubmission: false },
    );
    return render(
      ctx,
      403,
      lang,
      t(lang, 'deniedTitle'),
      deniedBody(
        await kit.context(ctx, d, lang),
        deniedReasonOf(denied.policyIds),
        denied.eventRef,
        returnTo,
      ),
    );
  };

  /** Completes the login prompt; audited once here whatever the route to it. */
  const finishLogin = async (ctx: Ctx, d: Details, signedIn: Account, loa: 1 | 2 | 3, amr: string[]) => {
    // The last gates before a code can be issued, whichever way the person signed in: a locked
    // login name finishes no step, and neither does an interaction ended by wrong codes.
    if (await deps.attempts.ended(d.uid)) throw await kit.interactionEnded(ctx, langOf(ctx));
    const lock = await lockedOut(deps, signedIn.loginName, signedIn.id, kit.attempt(ctx, d), 'login.failure');
    if (lock.locked)
      throw paused(langOf(ctx), lock, personTimeZone(undefined, ctx.get('accept-language')), d.uid);
    // A first sign-in with a one-time password issues no code until it has a new password and a second factor.
    const account = await kit.firstTime.complete(signedIn, amr);
    if (!account) throw new PageError(403, 'step_setUpFirst');
    const verdict = await policyVerdict(d, account, loa, amr);
    // The service needs a verified identity the account does not have yet — the client's
    // minimum or the claims asked for, or a policy that a higher identity level would satisfy at
    // this sign-in level: the interaction's page asks the person to prove it (never a refusal),
    // then this sign-in finishes.
    const curable =
      !verdict.decision.allowed &&
      verdict.lowestIal !== undefined &&
      verdict.lowestIal > ialOf(account) &&
      (verdict.lowestLoa ?? Number.POSITIVE_INFINITY) <= loa;
    if (!verdict.decision.allowed && !curable) return refuse(ctx, d, account, amr, verdict);
    const ial = Math.max(await kit.requiredIdentity(d), curable ? verdict.lowestIal! : 1);
    if (ialOf(account) < ial) {
      await deps.pending.save(d.uid, { accountId: account.id, amr, proofing: { ial, loa } });
      return `${basePathOf(ctx)}/interaction/${d.uid}`;
    }
    await deps.pending.delete(d.uid);
    const redirectTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: account.id, acr: ACR[loa], amr, remember: true } },
      { mergeWithLastSubmission: false },
    );
    await deps.audit.append({
      ...kit.attempt(ctx, d),
      type: 'login.success',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      details: { acr: ACR[loa], amr },
    });
    // Only a complete sign-in starts the count again (for this name and this source).
    await deps.lockout.signedIn(account.loginName, ctx.ip, lock);
    return redirectTo;
  };

  return { policyVerdict, refuse, showDenied, finishLogin };
};

export type SignInOutcome = ReturnType<typeof signInOutcome>;

import { FIRST_PARTY_CLIENT_IDS } from '../../../libs/oidc/index.ts';
import { consentViewOf } from '../consent-view.ts';
import { PageError, redirect } from '../page-kit.ts';
import type { SignIn } from './journey.ts';
import type { Ctx, Details, Step } from './kit.ts';

/** yitong's own portals and consoles: the platform itself, which asks nobody's consent to be used. */
export const isFirstParty = (d: Details): boolean => FIRST_PARTY_CLIENT_IDS.has(String(d.params.client_id));

/**
 * Grants what the consent prompt is missing — exactly that — remembers it and audits it once
 * (`consent.granted`; `details.automatic` for yitong's own portals); the URL to resume at.
 */
export const grantConsent = async (
  s: SignIn,
  ctx: Ctx,
  d: Details,
  accountId: string,
  automatic: boolean,
): Promise<string> => {
  const { deps, provider } = s;
  const clientId = String(d.params.client_id);
  const missing = d.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const grant = d.grantId
    ? await provider.Grant.find(d.grantId)
    : new provider.Grant({ accountId, clientId });
  if (!grant) throw new PageError(400, 'step_signInExpired');
  if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const scopes = String(grant.getOIDCScope() ?? '')
    .split(' ')
    .filter(Boolean);
  await deps.registry.rememberConsent(accountId, clientId, scopes);
  await deps.audit.append({
    ...s.attempt(ctx, d),
    actor: accountId,
    subject: accountId,
    type: 'consent.granted',
    outcome: 'success',
    details: automatic ? { scopes, automatic: true } : { scopes },
  });
  return provider.interactionResult(
    ctx.req,
    ctx.res,
    { consent: d.grantId ? {} : { grantId } },
    { mergeWithLastSubmission: true },
  );
};

/** POST /interaction/{uid}/consent: grants exactly what the consent page showed, or refuses. */
export const consentStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps, provider } = s;
    const { form, d } = await s.postedStep(ctx, uid);
    if (d.prompt.name !== 'consent' || !d.session?.accountId)
      throw new PageError(400, 'step_nothingToConsent');
    const accountId = d.session.accountId;
    if (form.decision !== 'allow') {
      await deps.audit.append({
        ...s.attempt(ctx, d),
        actor: accountId,
        subject: accountId,
        type: 'consent.denied',
        outcome: 'denied',
        reason: 'the person did not allow access',
      });
      return redirect(
        ctx,
        await provider.interactionResult(
          ctx.req,
          ctx.res,
          { error: 'access_denied', error_description: 'the person did not allow access' },
          { mergeWithLastSubmission: false },
        ),
      );
    }
    // Grant only what the page showed: what is asked for now must be what the person saw.
    if (form.shown !== (await consentViewOf(d, deps.registry, deps.issuer)).digest)
      throw new PageError(400, 'step_consentChanged');
    return redirect(ctx, await grantConsent(s, ctx, d, accountId, false));
  };

import { consentViewOf } from '../consent-view.ts';
import { PageError, redirect } from '../page-kit.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

/** POST /interaction/{uid}/consent: grants exactly what the consent page showed, or refuses. */
export const consentStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps, provider } = s;
    const { form, d } = await s.postedStep(ctx, uid);
    if (d.prompt.name !== 'consent' || !d.session?.accountId)
      throw new PageError(400, 'there is nothing to consent to');
    const accountId = d.session.accountId;
    const clientId = String(d.params.client_id);
    const base = { ...s.attempt(ctx, d), actor: accountId, subject: accountId };
    if (form.decision !== 'allow') {
      await deps.audit.append({
        ...base,
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
      throw new PageError(
        400,
        'what this service asks for has changed since the page was shown; start again',
      );
    const missing = d.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = d.grantId
      ? await provider.Grant.find(d.grantId)
      : new provider.Grant({ accountId, clientId });
    if (!grant) throw new PageError(400, 'this sign-in has expired; start again');
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
    await deps.audit.append({ ...base, type: 'consent.granted', outcome: 'success', details: { scopes } });
    return redirect(
      ctx,
      await provider.interactionResult(
        ctx.req,
        ctx.res,
        { consent: d.grantId ? {} : { grantId } },
        { mergeWithLastSubmission: true },
      ),
    );
  };

import { type PendingSignIn, sourceThrottled } from '../../../libs/accounts/index.ts';
import { proofingFailureOf, proveRemotely, readProofingForm } from '../../../libs/identity/index.ts';
import {
  type FieldError,
  type Lang,
  type ProofingFormValues,
  proofingFieldErrors,
  proofingRefusalErrors,
} from '../../../libs/web/index.ts';
import { langOf, PageError, redirect, render } from '../page-kit.ts';
import { proofingBody, proofingFailedBody } from '../views.ts';
import { sw } from '../words.ts';
import type { SignIn } from './journey.ts';
import type { Ctx, Details, Step } from './kit.ts';

type Proofing = NonNullable<PendingSignIn['proofing']>;

/** Remote proofing reaches level 2 only, and only where an identity source is configured. */
const online = (s: SignIn, proofing: Proofing) => proofing.ial <= 2 && s.deps.identity.source !== undefined;

/** The page asking the person to prove their identity (or to visit a counter), with the form as sent. */
export const showProofing = async (
  s: SignIn,
  ctx: Ctx,
  d: Details,
  lang: Lang,
  proofing: Proofing,
  sent: { status?: number; values?: ProofingFormValues; errors?: readonly FieldError[] } = {},
) => {
  const c = await s.context(ctx, d, lang);
  const remote = online(s, proofing);
  return render(
    ctx,
    sent.status ?? 200,
    lang,
    sw(lang, remote ? 'id_askTitle' : 'id_counterTitle'),
    proofingBody(c, { online: remote, values: sent.values, errors: sent.errors }),
  );
};

/**
 * POST /interaction/{uid}/identity: the person proves their identity in the sign-in, because
 * the service needs a verified one. The attempt limits and the audit are proveRemotely's; a
 * verified identity finishes the sign-in at the level it had reached, and consent follows.
 */
export const proofingStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const { form, d } = await s.postedStep(ctx, uid);
    const lang = langOf(ctx);
    const { pending, account } = await s.pendingAccount(uid);
    const proofing = pending.proofing;
    if (!proofing) throw new PageError(400, 'step_signInExpired');
    const source = deps.identity.source;
    if (!source || !online(s, proofing)) return showProofing(s, ctx, d, lang, proofing, { status: 409 });
    const values = {
      name: (form.name ?? '').slice(0, 200),
      residentId: (form.residentId ?? '').slice(0, 100),
      phone: (form.phone ?? '').slice(0, 100),
    };
    const read = readProofingForm(values);
    // Like every step of a sign-in, counted against its source (each check costs a registry call).
    if (read.ok && (await sourceThrottled(deps, s.attempt(ctx, d)))) throw new PageError(429, 'throttled');
    if (!read.ok)
      return showProofing(s, ctx, d, lang, proofing, {
        status: 400,
        values,
        errors: proofingFieldErrors(lang, read.problems),
      });
    let proved: typeof account;
    try {
      proved = await proveRemotely(
        { ...deps.identity, source, accounts: deps.accounts, audit: deps.audit },
        account,
        read.input,
        {
          zone: deps.zone,
          client: String(d.params.client_id),
          sourceIp: ctx.ip,
          userAgent: ctx.get('user-agent').slice(0, 512),
          correlationId: d.uid,
        },
      );
    } catch (err: unknown) {
      const failed = proofingFailureOf(err);
      if (!failed) throw err;
      if (failed.failure.kind === 'refused')
        return showProofing(s, ctx, d, lang, proofing, {
          status: failed.status,
          values,
          errors: proofingRefusalErrors(lang, failed.failure),
        });
      const page = proofingFailedBody(await s.context(ctx, d, lang), failed.failure);
      return render(ctx, failed.status, lang, page.title, page.body);
    }
    return redirect(ctx, await s.finishLogin(ctx, d, proved, proofing.loa as 1 | 2 | 3, pending.amr));
  };

import { type PendingSignIn, sourceThrottled } from '../../../libs/accounts/index.ts';
import {
  loadPhoneProofing,
  type ProofingContext,
  type ProofingDeps,
  proofingFailureOf,
  readProofingCode,
  readProofingForm,
} from '../../../libs/identity/index.ts';
import {
  failureHasOwnPage,
  type ProofingFormValues,
  proofingCodeErrors,
  proofingFieldErrors,
  proofingRefusalErrors,
} from '../../../libs/proofing-pages/index.ts';
import type { FieldError, Lang } from '../../../libs/web/index.ts';
import { basePathOf, langOf, PageError, redirect, render } from '../page-kit.ts';
import { proofingBody, proofingCodeBody, proofingFailedBody } from '../views.ts';
import { sw } from '../words.ts';
import type { SignIn } from './journey.ts';
import type { Ctx, Details, Step } from './kit.ts';

type Proofing = NonNullable<PendingSignIn['proofing']>;

/** Remote proofing reaches level 2 only, and only where an identity source is configured. */
const online = (s: SignIn, proofing: Proofing) => proofing.ial <= 2 && s.deps.identity.source !== undefined;

/** Remote proofing's dependencies in the sign-in, or undefined where no registry is configured. */
const proofingDeps = async (s: SignIn): Promise<ProofingDeps | undefined> => {
  const { deps } = s;
  const source = deps.identity.source;
  return source
    ? {
        ...deps.identity,
        ...(await deps.phoneProofing()),
        source,
        accounts: deps.accounts,
        audit: deps.audit,
        mail: deps.mail,
      }
    : undefined;
};

const contextOf = (s: SignIn, ctx: Ctx, d: Details): ProofingContext => ({
  zone: s.deps.zone,
  client: String(d.params.client_id),
  sourceIp: ctx.ip,
  userAgent: ctx.get('user-agent').slice(0, 512),
  correlationId: d.uid,
});

/**
 * The page asking the person to prove their identity (or to visit a counter), with the form as
 * sent; when a code was sent to their phone and still works, the page asking for it (unless the
 * person chose to start again: `?again=1`).
 */
export const showProofing = async (
  s: SignIn,
  ctx: Ctx,
  d: Details,
  lang: Lang,
  pending: PendingSignIn,
  sent: { status?: number; values?: ProofingFormValues; errors?: readonly FieldError[] } = {},
) => {
  const proofing = pending.proofing!;
  const c = await s.context(ctx, d, lang);
  const remote = online(s, proofing);
  const deps = await proofingDeps(s);
  if (remote && deps && !sent.values && ctx.query.again !== '1') {
    const waiting = await (await loadPhoneProofing()).pendingProofing(deps, pending.accountId);
    if (waiting)
      return render(
        ctx,
        sent.status ?? 200,
        lang,
        sw(lang, 'id_askTitle'),
        proofingCodeBody(c, {
          sent: waiting,
          errors: sent.errors,
          resent: ctx.query.resent === '1',
        }),
      );
  }
  return render(
    ctx,
    sent.status ?? 200,
    lang,
    sw(lang, remote ? 'id_askTitle' : 'id_counterTitle'),
    proofingBody(c, { online: remote, values: sent.values, errors: sent.errors }),
  );
};

/** The page of a proofing failure that has one (paused, registry down, code over, …). */
const failedPage = async (s: SignIn, ctx: Ctx, d: Details, lang: Lang, err: unknown) => {
  const known = proofingFailureOf(err);
  if (!known || !failureHasOwnPage(known.failure)) throw err;
  const page = proofingFailedBody(await s.context(ctx, d, lang), known.failure);
  return render(ctx, known.status, lang, page.title, page.body);
};

/** The interaction's page again (post, redirect, get), with `query` (`resent=1`). */
const backToPage = (ctx: Ctx, d: Details, query = '') =>
  redirect(ctx, `${basePathOf(ctx)}/interaction/${d.uid}${query}`);

/**
 * What every proofing POST starts with: the CSRF-checked form, the pending sign-in that owes a
 * verified identity, and remote proofing's dependencies — or `answered` when it cannot be had
 * here (no registry, or a level remote proofing cannot reach: the page says so).
 */
const postedProofing = async (s: SignIn, ctx: Ctx, uid: string) => {
  const { form, d } = await s.postedStep(ctx, uid);
  const lang = langOf(ctx);
  const { pending, account } = await s.pendingAccount(uid);
  const proofing = pending.proofing;
  if (!proofing) throw new PageError(400, 'step_signInExpired');
  const proving = await proofingDeps(s);
  if (!proving || !online(s, proofing)) {
    await showProofing(s, ctx, d, lang, pending, { status: 409 });
    return { answered: true } as const;
  }
  return { answered: false, form, d, lang, pending, account, proofing, proving } as const;
};

/**
 * POST /interaction/{uid}/identity: the person proves their identity in the sign-in, because
 * the service needs a verified one. The registry checks name, number and phone; a code then
 * goes by SMS to that phone, and the interaction's page asks for it (`…/identity/code`). The
 * attempt limits and the audit are libs/identity's.
 */
export const proofingStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const posted = await postedProofing(s, ctx, uid);
    if (posted.answered) return;
    const { form, d, lang, pending, account, proving } = posted;
    const values = {
      name: (form.name ?? '').slice(0, 200),
      residentId: (form.residentId ?? '').slice(0, 100),
      phone: (form.phone ?? '').slice(0, 100),
    };
    const read = readProofingForm(values);
    // Like every step of a sign-in, counted against its source (each check costs a registry call).
    if (read.ok && (await sourceThrottled(deps, s.attempt(ctx, d)))) throw new PageError(429, 'throttled');
    if (!read.ok)
      return showProofing(s, ctx, d, lang, pending, {
        status: 400,
        values,
        errors: proofingFieldErrors(lang, read.problems),
      });
    try {
      await (await loadPhoneProofing()).startRemoteProofing(
        proving,
        account,
        read.input,
        contextOf(s, ctx, d),
        lang,
      );
    } catch (err: unknown) {
      const known = proofingFailureOf(err);
      if (known?.failure.kind === 'refused')
        return showProofing(s, ctx, d, lang, pending, {
          status: known.status,
          values,
          errors: proofingRefusalErrors(lang, known.failure),
        });
      return failedPage(s, ctx, d, lang, err);
    }
    return backToPage(ctx, d);
  };

/**
 * POST /interaction/{uid}/identity/code: the code sent to the phone. Only the right one records
 * the identity; the sign-in then finishes at the level it had reached, and consent follows.
 */
export const proofingCodeStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const posted = await postedProofing(s, ctx, uid);
    if (posted.answered) return;
    const { form, d, lang, pending, account, proofing, proving } = posted;
    const read = readProofingCode({ proofingId: form.proofingId, code: form.otp });
    if (!read.ok)
      return showProofing(s, ctx, d, lang, pending, {
        status: 400,
        errors: proofingCodeErrors(lang, read.problem),
      });
    if (await sourceThrottled(deps, s.attempt(ctx, d))) throw new PageError(429, 'throttled');
    let proved: typeof account;
    try {
      proved = await (await loadPhoneProofing()).confirmRemoteProofing(
        proving,
        account,
        read,
        contextOf(s, ctx, d),
      );
    } catch (err: unknown) {
      const known = proofingFailureOf(err);
      if (known?.failure.kind === 'code-wrong' && known.failure.triesLeft > 0)
        return showProofing(s, ctx, d, lang, pending, {
          status: known.status,
          errors: proofingCodeErrors(lang, {
            triesLeft: known.failure.triesLeft,
          }),
        });
      return failedPage(s, ctx, d, lang, err);
    }
    return redirect(ctx, await s.finishLogin(ctx, d, proved, proofing.loa as 1 | 2 | 3, pending.amr));
  };

/** POST /interaction/{uid}/identity/resend: another code, within the proofing's and the phone's limits. */
export const proofingResendStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const posted = await postedProofing(s, ctx, uid);
    if (posted.answered) return;
    const { form, d, lang, account, proving } = posted;
    try {
      await (await loadPhoneProofing()).resendProofingCode(
        proving,
        account,
        String(form.proofingId ?? '').slice(0, 64),
        contextOf(s, ctx, d),
        lang,
      );
    } catch (err: unknown) {
      return failedPage(s, ctx, d, lang, err);
    }
    return backToPage(ctx, d, '?resent=1');
  };

import { ialOf } from '../../../libs/accounts/index.ts';
import { coversClient, type Representation } from '../../../libs/identity/index.ts';
import type { PolicyRepresentation } from '../../../libs/policy/index.ts';
import { langOf, PageError, redirect, render } from '../page-kit.ts';
import { actForBody } from '../views.ts';
import { sw } from '../words.ts';
import type { SignIn } from './journey.ts';
import type { Ctx, Details, Step } from './kit.ts';

/** The companies this person may act for at this interaction's site, read now. */
const optionsAt = async (s: SignIn, accountId: string, clientId: string): Promise<Representation[]> =>
  (await s.deps.companies.representations(accountId)).filter((r) => coversClient(r, clientId));

const policyRepresentation = (r: Representation): PolicyRepresentation => ({
  uscc: r.company.uscc,
  status: r.company.status,
  role: r.role,
  clients: r.scope?.clients ?? [],
});

/** GET /interaction/{uid} for the `yitong_company` prompt: act for a company, or for oneself. */
export const showActFor = async (s: SignIn, ctx: Ctx, d: Details) => {
  const lang = langOf(ctx);
  const accountId = d.session?.accountId;
  if (!accountId) throw new PageError(400, 'step_nothingToChoose');
  const options = await optionsAt(s, accountId, String(d.params.client_id));
  return render(
    ctx,
    200,
    lang,
    sw(lang, 'actForTitle'),
    actForBody(
      await s.context(ctx, d, lang),
      options.map((r) => ({ uscc: r.company.uscc, name: r.company.name, role: r.role })),
    ),
  );
};

/**
 * POST /interaction/{uid}/company: the person's choice, kept with this site's grant. A company
 * must be one they may act for here now, and Cedar must allow the sign-in with it (the company,
 * their role, an agent's sites); the choice is audited as `company.acted_for`.
 */
export const companyStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps, provider } = s;
    const { form, d } = await s.postedStep(ctx, uid);
    const accountId = d.session?.accountId;
    if (d.prompt.name !== 'yitong_company' || !accountId || !d.grantId)
      throw new PageError(400, 'step_nothingToChoose');
    const clientId = String(d.params.client_id);
    const account = await deps.accounts.findById(accountId);
    if (account?.status !== 'active') throw new PageError(400, 'step_signInExpired');
    const chosen = typeof form.actFor === 'string' ? form.actFor : 'self';
    let representation: Representation | undefined;
    if (chosen !== 'self') {
      representation = (await optionsAt(s, accountId, clientId)).find((r) => r.company.uscc === chosen);
      if (!representation) throw new PageError(403, 'step_notYourCompany');
      const { client } = await s.clientOf(d);
      const amr = [...(d.session?.amr ?? [])];
      const verdict = await deps.access.login(
        { ...account, ial: ialOf(account) },
        client.metadata() as Parameters<typeof deps.access.login>[1],
        { acr: d.session?.acr, amr },
        policyRepresentation(representation),
      );
      if (!verdict.decision.allowed) return redirect(ctx, await s.refuse(ctx, d, account, amr, verdict));
    }
    // The site's session id, which its back-channel logout token will name.
    const session = d.session?.uid ? await provider.Session.findByUid(d.session.uid) : undefined;
    const sid = session?.sidFor(clientId);
    await deps.acting.choose({
      grantId: d.grantId,
      accountId,
      clientId,
      zone: deps.zone,
      ...(sid ? { sid } : {}),
      ...(representation ? { uscc: representation.company.uscc, role: representation.role } : {}),
      chosenAt: new Date().toISOString(),
    });
    if (representation)
      await deps.audit.append({
        ...s.attempt(ctx, d),
        type: 'company.acted_for',
        outcome: 'success',
        actor: accountId,
        subject: accountId,
        onBehalfOf: `company#${representation.company.uscc}`,
        resource: `company#${representation.company.uscc}`,
        details: { role: representation.role },
      });
    return redirect(
      ctx,
      await provider.interactionResult(
        ctx.req,
        ctx.res,
        { yitong_company: { actFor: representation ? representation.company.uscc : 'self' } },
        { mergeWithLastSubmission: true },
      ),
    );
  };

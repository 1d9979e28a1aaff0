import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type Account, ialOf } from '../../libs/accounts/index.ts';
import { type DepartmentStore, isUscc } from '../../libs/departments/index.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../libs/http/index.ts';
import {
  type AgentGrant,
  type AgentGrantInput,
  type AgentGrantOutcome,
  type CompanyDeps,
  companyRefusalOf,
  endRepresentationSessions,
  grantAgent,
  type IdentitySource,
  IdentitySourceUnavailableError,
  identityOf,
  type ProofingContext,
  type RepresentationSessionDeps,
  ResidentId,
  registerCompany,
  revokeAgent,
} from '../../libs/identity/index.ts';
import type { LicenceType } from '../../libs/licences/index.ts';
import { departmentClientIds, FIRST_PARTY_CLIENT_IDS, getClient } from '../../libs/oidc/index.ts';
import type { FirstPartyPortal, PortalSession } from '../../libs/portal/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';
import type { Lang } from '../../libs/web/index.ts';
import {
  type AgentChoices,
  type AgentInput,
  companiesView,
  companyView,
  type FormErrors,
  notYourCompanyView,
  registrationRefusedView,
  scopeErrorField,
} from './company-views.ts';
import { requestOrigin } from './origin.ts';
import type { ShowView } from './views.ts';
import type { AccountKey } from './words.ts';

/** What a company page needs: the runtime, the portal, how pages are shown and the licence types. */
export interface CompanyPagesDeps {
  readonly runtime: Runtime;
  /** Ending the sign-ins a revoked agent made acting for the company (libs/identity). */
  readonly sessions: RepresentationSessionDeps;
  readonly portal: FirstPartyPortal;
  readonly departments: DepartmentStore;
  readonly licenceTypes: () => Promise<readonly LicenceType[]>;
  readonly show: ShowView;
}

/** What ending an agent's access needs (sessions acting for the company join it here). */
export type AgentAccessDeps = CompanyDeps & { readonly sessions: RepresentationSessionDeps };

/**
 * Ends an agent's authorisation for a company, at once: the grant is revoked and audited. The
 * one place the portal's revoke button acts through, so ending the agent's sessions that act
 * for the company (with back-channel logout) is added here and nowhere else.
 */
export const revokeAgentAccess = async (
  deps: AgentAccessDeps,
  rep: Account,
  uscc: string,
  agentAccountId: string,
  ctx: ProofingContext,
): Promise<AgentGrant> => {
  const revoked = await revokeAgent(deps, rep, uscc, agentAccountId, ctx);
  // At once: the agent's sign-ins acting for the company end, and their sites are told.
  await endRepresentationSessions(deps.sessions, agentAccountId, uscc, { ...ctx, actor: rep.id });
  return revoked;
};

/**
 * Authorises an agent: the portal's grant button acts through here. A re-grant (a narrower or
 * wider scope, or after a revocation) ends the agent's sign-ins acting for the company, so they
 * choose again under the new scope at every site; the old grant stays as history.
 */
export const grantAgentAccess = async (
  deps: AgentAccessDeps & { readonly accounts: Runtime['accounts'] },
  rep: Account,
  uscc: string,
  input: AgentGrantInput,
  ctx: ProofingContext,
): Promise<AgentGrantOutcome> => {
  const granted = await grantAgent(deps, rep, uscc, input, ctx);
  if (granted.replaced)
    await endRepresentationSessions(deps.sessions, granted.accountId, uscc, { ...ctx, actor: rep.id });
  return granted;
};

/** With no identity source configured, the registry is as unavailable as one that does not answer. */
const NO_SOURCE: IdentitySource = {
  checkPerson: () =>
    Promise.reject(new IdentitySourceUnavailableError('error', 'no identity source is configured')),
  company: () =>
    Promise.reject(new IdentitySourceUnavailableError('error', 'no identity source is configured')),
};

const REFUSAL_STATUS = {
  'ial-too-low': 403,
  'no-such-company': 404,
  'company-closed': 422,
  'not-legal-representative': 403,
  'already-registered': 409,
  'registry-timeout': 503,
  'registry-error': 503,
} as const;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The end of a day in Beijing time (the day a person picks is theirs, not UTC's). */
const endOfDay = (day: string): Date | undefined => {
  if (!DATE.test(day)) return undefined;
  const at = new Date(`${day}T23:59:59.999+08:00`);
  return Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== day ? undefined : at;
};

/**
 * The company pages of the account portal: the companies a person represents and registering
 * one (the registry must name them), and, for a legal representative, the company's agents —
 * authorising a proved person for chosen services or licence types until a date, and revoking.
 */
export const companyPages = (deps: CompanyPagesDeps) => {
  const { runtime, portal, show } = deps;
  const { config, doc } = runtime;
  const identity = identityOf(runtime);
  const table = config.tables.identity;
  const { basePath } = portal;
  const companyDeps = (): CompanyDeps & { readonly accounts: Runtime['accounts'] } => ({
    companies: identity.companies,
    claims: identity.claims,
    hasher: identity.hasher,
    source: identity.source ?? NO_SOURCE,
    audit: runtime.audit,
    accounts: runtime.accounts,
  });
  const contextOf = (event: APIGatewayProxyEvent): ProofingContext => ({
    zone: config.zone,
    ...requestOrigin(event),
  });

  /**
   * The services an agent may be authorised for: public clients that say they accept companies
   * (`yitong_accepts_companies`); an agent can act for the company nowhere else.
   */
  const choicesOf = async (lang: Lang): Promise<AgentChoices> => {
    const departments = await deps.departments.list();
    const ids = (
      await Promise.all(departments.map((d) => departmentClientIds(doc, table, d.departmentId)))
    ).flat();
    const clients = (await Promise.all(ids.map((id) => getClient(doc, table, id)))).filter(
      (c) =>
        c !== undefined &&
        c.yitong_zone === 'public' &&
        c.yitong_disabled !== true &&
        !FIRST_PARTY_CLIENT_IDS.has(c.client_id) &&
        (!Array.isArray(c.grant_types) || c.grant_types.includes('authorization_code')),
    );
    const shown = clients.filter((c) => c?.yitong_accepts_companies === true);
    const types = await deps.licenceTypes();
    return {
      sites: shown
        .map((c) => ({
          clientId: c!.client_id,
          name: typeof c!.client_name === 'string' ? c!.client_name : c!.client_id,
        }))
        .sort((a, b) => a.name.localeCompare(b.name, lang)),
      none: shown.length === 0,
      licenceTypes: types
        .map((l) => ({ typeId: l.typeId, name: l.name[lang] }))
        .sort((a, b) => a.name.localeCompare(b.name, lang)),
    };
  };

  const companiesPage = async (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    lang: Lang,
    account: Account,
    status = 200,
    form: { uscc?: string; errors?: FormErrors } = {},
  ) => {
    const [representations, choices] = await Promise.all([
      identity.companies.representations(account.id),
      choicesOf(lang),
    ]);
    return show(
      event,
      lang,
      status,
      companiesView(lang, session, { representations, choices, proved: ialOf(account) >= 2, ...form }),
      '/account/companies',
    );
  };

  const notYours = (event: APIGatewayProxyEvent, session: PortalSession, lang: Lang, uscc: string) =>
    show(event, lang, 403, notYourCompanyView(lang, session), `/account/companies/${uscc}`);

  /** The company's page for its legal representative; anyone else is refused. */
  const companyPage = async (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    lang: Lang,
    account: Account,
    status = 200,
    form: { input?: AgentInput; errors?: FormErrors } = {},
  ) => {
    const uscc = (event.pathParameters?.uscc ?? '').toUpperCase();
    const company = isUscc(uscc) ? await identity.companies.get(uscc) : undefined;
    if (!company || company.legalRepresentative.accountId !== account.id)
      return notYours(event, session, lang, uscc);
    const [grants, choices] = await Promise.all([identity.companies.grantsOf(uscc), choicesOf(lang)]);
    const asked = event.queryStringParameters ?? {};
    const notice =
      status !== 200
        ? undefined
        : asked.registered === '1'
          ? 'registered'
          : asked.granted === '1'
            ? 'granted'
            : asked.revoked === '1'
              ? 'revoked'
              : undefined;
    return show(
      event,
      lang,
      status,
      companyView(lang, session, { company, grants, choices, now: Date.now(), notice, ...form }),
      `/account/companies/${uscc}`,
    );
  };
  const toCompany = (uscc: string, notice: string) =>
    portal.redirect(`${basePath}/account/companies/${uscc}?${notice}=1`);

  return {
    list: (event: APIGatewayProxyEvent, session: PortalSession, lang: Lang, account: Account) =>
      companiesPage(event, session, lang, account),

    /** Registers a company; each refusal is its own page saying what happened and what to do. */
    async register(event: APIGatewayProxyEvent, session: PortalSession, lang: Lang, account: Account) {
      const form = portal.readForm(event, session);
      const uscc = (form.get('uscc') ?? '').replace(/\s+/g, '').toUpperCase().slice(0, 40);
      if (!isUscc(uscc))
        return companiesPage(event, session, lang, account, 400, {
          uscc,
          errors: [{ field: 'uscc', key: 'company_errUscc' }],
        });
      try {
        await registerCompany(companyDeps(), account, uscc, contextOf(event));
      } catch (err: unknown) {
        const reason = companyRefusalOf(err);
        if (!reason) throw err;
        return show(
          event,
          lang,
          REFUSAL_STATUS[reason],
          registrationRefusedView(lang, session, reason, uscc),
          '/account/companies',
        );
      }
      return toCompany(uscc, 'registered');
    },

    company: (event: APIGatewayProxyEvent, session: PortalSession, lang: Lang, account: Account) =>
      companyPage(event, session, lang, account),

    /** Authorises an agent; a form that fails comes back with what was typed and its errors. */
    async grant(event: APIGatewayProxyEvent, session: PortalSession, lang: Lang, account: Account) {
      const form = portal.readForm(event, session);
      const uscc = (event.pathParameters?.uscc ?? '').toUpperCase();
      const input: AgentInput = {
        name: (form.get('agentName') ?? '').trim().slice(0, 60),
        residentId: (form.get('residentId') ?? '').trim().slice(0, 40),
        clients: form.getAll('clients').slice(0, 50),
        licenceTypes: form.getAll('licenceTypes').slice(0, 50),
        until: (form.get('until') ?? '').trim().slice(0, 20),
      };
      const company = isUscc(uscc) ? await identity.companies.get(uscc) : undefined;
      if (!company || company.legalRepresentative.accountId !== account.id)
        return notYours(event, session, lang, uscc);
      const choices = await choicesOf(lang);
      const errors: { field: string; key: AccountKey }[] = [];
      if (!input.name) errors.push({ field: 'agentName', key: 'company_errName' });
      const residentId = ResidentId.safeParse(input.residentId);
      if (!residentId.success) errors.push({ field: 'residentId', key: 'company_errResidentId' });
      const knownSite = new Set(choices.sites.map((s) => s.clientId));
      const knownType = new Set(choices.licenceTypes.map((l) => l.typeId));
      if (
        input.clients.length + input.licenceTypes.length === 0 ||
        input.clients.some((c) => !knownSite.has(c)) ||
        input.licenceTypes.some((l) => !knownType.has(l))
      )
        errors.push({ field: scopeErrorField(choices), key: 'company_errScope' });
      const until = endOfDay(input.until);
      const now = Date.now();
      if (!until || until.getTime() <= now || until.getTime() > now + 3 * 365 * 86_400_000)
        errors.push({ field: 'until', key: 'company_errUntil' });
      const again = (fieldErrors: FormErrors) =>
        companyPage(event, session, lang, account, 400, { input, errors: fieldErrors });
      if (errors.length || !residentId.success || !until) return again(errors);
      try {
        await grantAgentAccess(
          { ...companyDeps(), sessions: deps.sessions },
          account,
          uscc,
          {
            residentId: residentId.data,
            name: input.name,
            scope: { clients: [...input.clients], licenceTypes: [...input.licenceTypes] },
            until,
          },
          contextOf(event),
        );
      } catch (err: unknown) {
        if (err instanceof ForbiddenError) return notYours(event, session, lang, uscc);
        if (!(err instanceof ValidationError)) throw err;
        const named = err.invalidParams.map((p) => p.name);
        return again(
          named.includes('until')
            ? [{ field: 'until', key: 'company_errUntil' }]
            : named.includes('residentId')
              ? [{ field: 'residentId', key: 'company_errNoPerson' }]
              : [{ field: 'residentId', key: 'company_errSelf' }],
        );
      }
      return toCompany(uscc, 'granted');
    },

    /** Revokes an agent at once (post, redirect, get: the page then says so). */
    async revoke(event: APIGatewayProxyEvent, session: PortalSession, lang: Lang, account: Account) {
      portal.readForm(event, session);
      const uscc = (event.pathParameters?.uscc ?? '').toUpperCase();
      const agent = event.pathParameters?.accountId ?? '';
      // Nothing the store could not key (a made-up path is as absent as a revoked grant).
      if (!isUscc(uscc)) return notYours(event, session, lang, uscc);
      if (!/^[\w-]{1,128}$/.test(agent)) throw new NotFoundError('there is no such agent of this company');
      try {
        await revokeAgentAccess(
          { ...companyDeps(), sessions: deps.sessions },
          account,
          uscc,
          agent,
          contextOf(event),
        );
      } catch (err: unknown) {
        if (err instanceof ForbiddenError) return notYours(event, session, lang, uscc);
        throw err;
      }
      return toCompany(uscc, 'revoked');
    },
  };
};

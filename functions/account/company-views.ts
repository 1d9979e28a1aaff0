/** The company pages of the account portal: the companies I represent, registering one, its agents. */
import type { AgentGrant, Company, CompanyRefusal, Representation } from '../../libs/identity/index.ts';
import type { PortalSession } from '../../libs/portal/index.ts';
import {
  errorSummary,
  type FieldError,
  field,
  formatDate,
  formatTime,
  type Html,
  hidden,
  html,
  type Lang,
} from '../../libs/web/index.ts';
import { nav, type View } from './views.ts';
import { type AccountKey, aw } from './words.ts';

/** What an agent may be authorised for: the services that accept companies, and licence types. */
export interface AgentChoices {
  readonly sites: readonly { readonly clientId: string; readonly name: string }[];
  /** No service declares `yitong_accepts_companies` yet: the sites are every public service. */
  /** No service accepts companies yet: an agent can be authorised for licence types only. */
  readonly none: boolean;
  readonly licenceTypes: readonly { readonly typeId: string; readonly name: string }[];
}

/** The agent form as sent, to show it again with its errors. */
export interface AgentInput {
  readonly name: string;
  readonly residentId: string;
  readonly clients: readonly string[];
  readonly licenceTypes: readonly string[];
  readonly until: string;
}

/** A form's errors by field id, in the page's language. */
export type FormErrors = readonly { readonly field: string; readonly key: AccountKey }[];

const messagesOf = (lang: Lang, errors: FormErrors): FieldError[] =>
  errors.map((e) => ({ field: e.field, message: aw(lang, e.key) }));

const tag = (on: boolean, word: string) => html`<strong class="tag${on ? '' : ' off'}">${word}</strong>`;

const list = (lang: Lang, items: readonly string[]) => items.join(lang === 'en' ? ', ' : '、');

/** A scope in words: the services' and licence types' names (ids when a name is not known). */
const scopeWords = (lang: Lang, choices: AgentChoices, scope: AgentGrant['scope'] | undefined): Html => {
  if (!scope) return html`${aw(lang, 'company_scopeAll')}`;
  const sites = scope.clients.map((id) => choices.sites.find((s) => s.clientId === id)?.name ?? id);
  const types = scope.licenceTypes.map((id) => choices.licenceTypes.find((l) => l.typeId === id)?.name ?? id);
  return html`${sites.length ? html`<span class="scope-sites">${aw(lang, 'company_sites')}: ${list(lang, sites)}</span>` : ''}${
    sites.length && types.length ? html`<br>` : ''
  }${types.length ? html`<span class="scope-types">${aw(lang, 'company_licenceTypes')}: ${list(lang, types)}</span>` : ''}`;
};

/** My companies: every company I may act for now, and the form to register one. */
export const companiesView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly representations: readonly Representation[];
    readonly choices: AgentChoices;
    /** The person holds IAL 2 or more: the registration form is offered. */
    readonly proved: boolean;
    readonly uscc?: string;
    readonly errors?: FormErrors;
  },
): View => {
  const messages = messagesOf(lang, o.errors ?? []);
  const usccError = messages.find((m) => m.field === 'uscc')?.message;
  const cards = o.representations.map((r) => {
    const legal = r.role === 'legal-representative';
    return html`<li data-company="${r.company.uscc}">
<h2>${legal ? html`<a href="account/companies/${r.company.uscc}">${r.company.name}</a>` : r.company.name}</h2>
<dl>
<dt>${aw(lang, 'company_uscc')}</dt><dd><code>${r.company.uscc}</code></dd>
<dt>${aw(lang, 'company_role')}</dt><dd class="role">${aw(lang, legal ? 'company_role_legalRepresentative' : 'company_role_agent')}</dd>
<dt>${aw(lang, 'company_scope')}</dt><dd class="wrap scope">${scopeWords(lang, o.choices, r.scope)}</dd>
<dt>${aw(lang, 'company_until')}</dt><dd class="until">${r.until ? formatDate(lang, r.until) : aw(lang, 'company_noEnd')}</dd>
</dl>${legal ? html`<p><a href="account/companies/${r.company.uscc}">${aw(lang, 'company_manage', { name: r.company.name })}</a></p>` : ''}</li>`;
  });
  return {
    title: aw(lang, 'company_title'),
    body: html`${errorSummary(lang, messages)}<h1>${aw(lang, 'company_title')}</h1><p class="lead">${aw(lang, 'company_lead')}</p>${nav(lang, session)}${
      cards.length
        ? html`<ul class="cards" id="companies">${cards}</ul>`
        : html`<p id="companies">${aw(lang, 'company_none')}</p>`
    }
<h2 id="register">${aw(lang, 'company_registerTitle')}</h2>
<p>${aw(lang, 'company_registerLead')}</p>${
      o.proved
        ? html`<form method="post" action="account/companies" novalidate>
${hidden('csrf', session.csrf)}
${field({
  name: 'uscc',
  label: aw(lang, 'company_uscc'),
  hint: aw(lang, 'company_usccHint'),
  error: usccError,
  value: o.uscc ?? '',
  autocomplete: 'off',
  maxlength: 18,
})}
<button type="submit">${aw(lang, 'company_register')}</button>
</form>`
        : html`<div class="notice" id="prove-first"><p>${aw(lang, 'company_proveFirst')}</p><p><a class="button" href="account/identity">${aw(lang, 'company_proveLink')}</a></p></div>`
    }`,
  };
};

const REFUSALS: Readonly<Record<CompanyRefusal, readonly [AccountKey, AccountKey]>> = {
  'ial-too-low': ['company_refused_ial_title', 'company_refused_ial'],
  'no-such-company': ['company_refused_none_title', 'company_refused_none'],
  'company-closed': ['company_refused_closed_title', 'company_refused_closed'],
  'not-legal-representative': ['company_refused_other_title', 'company_refused_other'],
  'already-registered': ['company_refused_taken_title', 'company_refused_taken'],
  'registry-timeout': ['company_refused_unavailable_title', 'company_refused_unavailable'],
  'registry-error': ['company_refused_unavailable_title', 'company_refused_unavailable'],
};

/** A registration the registry or the rules refused: what happened and what to do next. */
export const registrationRefusedView = (
  lang: Lang,
  session: PortalSession,
  reason: CompanyRefusal,
  uscc: string,
): View => {
  const [title, lead] = REFUSALS[reason];
  return {
    title: aw(lang, title),
    body: html`<h1>${aw(lang, title)}</h1>${nav(lang, session)}<p class="lead" id="refusal" data-reason="${reason}">${aw(lang, lead, { uscc })}</p>${
      reason === 'ial-too-low'
        ? html`<p><a class="button" href="account/identity">${aw(lang, 'company_proveLink')}</a></p>`
        : ''
    }<p><a href="account/companies">${aw(lang, 'company_tryAgain')}</a></p>`,
  };
};

/** Someone who is not the company's legal representative at its page. */
export const notYourCompanyView = (lang: Lang, session: PortalSession): View => ({
  title: aw(lang, 'company_notYours_title'),
  body: html`<h1>${aw(lang, 'company_notYours_title')}</h1>${nav(lang, session)}<p class="lead" id="not-yours">${aw(lang, 'company_notYours')}</p>
<p><a href="account/companies">${aw(lang, 'company_back')}</a></p>`,
});

type Standing = 'live' | 'expired' | 'revoked';
const standingOf = (g: AgentGrant, now: number): Standing =>
  g.revokedAt ? 'revoked' : Date.parse(g.until) <= now ? 'expired' : 'live';

const checkboxes = (
  o: {
    readonly name: string;
    readonly idPrefix: string;
    readonly legend: string;
    readonly hint?: string;
    readonly error?: string;
  },
  items: readonly { readonly value: string; readonly label: string }[],
  chosen: ReadonlySet<string>,
): Html => {
  const described = [o.hint ? `${o.name}-hint` : '', o.error ? `${o.name}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="field${o.error ? ' error' : ''}"><fieldset class="checkboxes" id="${o.name}-set"${
    described ? html` aria-describedby="${described}"` : ''
  }><legend>${o.legend}</legend>
${o.hint ? html`<p class="hint" id="${o.name}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="message" id="${o.name}-error">${o.error}</p>` : ''}
${items.map(
  (i) =>
    html`<div><input type="checkbox" id="${o.idPrefix}${i.value}" name="${o.name}" value="${i.value}"${chosen.has(i.value) ? html` checked` : ''}><label for="${o.idPrefix}${i.value}">${i.label}</label></div>`,
)}
</fieldset></div>`;
};

/** The id the scope error points at: the first box offered. */
export const scopeErrorField = (choices: AgentChoices): string =>
  choices.sites[0]
    ? `client-${choices.sites[0].clientId}`
    : choices.licenceTypes[0]
      ? `type-${choices.licenceTypes[0].typeId}`
      : 'agentName';

/** A company's page for its legal representative: its agents, revoking, authorising a new one. */
export const companyView = (
  lang: Lang,
  session: PortalSession,
  o: {
    readonly company: Company;
    readonly grants: readonly AgentGrant[];
    readonly choices: AgentChoices;
    /** Now, in milliseconds. */
    readonly now: number;
    readonly notice?: 'registered' | 'granted' | 'revoked';
    readonly input?: AgentInput;
    readonly errors?: FormErrors;
  },
): View => {
  const { company, grants, choices, now, input } = o;
  const messages = messagesOf(lang, o.errors ?? []);
  const errorOf = (id: string) => messages.find((m) => m.field === id)?.message;
  const scopeError = errorOf(scopeErrorField(choices));
  const untilError = errorOf('until');
  const notices: Record<NonNullable<typeof o.notice>, AccountKey> = {
    registered: 'company_registered',
    granted: 'company_grantedNotice',
    revoked: 'company_revokedNotice',
  };
  // Live ones first, each group newest first.
  const order: Record<Standing, number> = { live: 0, expired: 1, revoked: 2 };
  const sorted = [...grants].sort(
    (a, b) => order[standingOf(a, now)] - order[standingOf(b, now)] || b.grantedAt.localeCompare(a.grantedAt),
  );
  const words: Record<Standing, AccountKey> = {
    live: 'company_status_live',
    expired: 'company_status_expired',
    revoked: 'company_status_revoked',
  };
  const base = `account/companies/${company.uscc}`;
  return {
    title: company.name,
    body: html`${errorSummary(lang, messages)}<h1>${company.name}</h1>${nav(lang, session)}${
      o.notice
        ? html`<div class="notice" role="status" id="notice"><p>${aw(lang, notices[o.notice])}</p></div>`
        : ''
    }
<dl id="company">
<dt>${aw(lang, 'company_uscc')}</dt><dd><code>${company.uscc}</code></dd>
<dt>${aw(lang, 'company_role')}</dt><dd>${aw(lang, 'company_role_legalRepresentative')}</dd>
<dt>${aw(lang, 'company_registeredAt')}</dt><dd>${formatTime(lang, company.registeredAt)}</dd>
</dl>
<h2 id="agents-title">${aw(lang, 'company_agents')}</h2>${
      sorted.length
        ? html`<ul class="cards" id="agents" aria-labelledby="agents-title">${sorted.map((g) => {
            const s = standingOf(g, now);
            return html`<li class="${s === 'live' ? '' : 'inactive'}" data-agent="${g.accountId}">
<h3>${g.name}</h3>
<dl>
<dt>${aw(lang, 'company_scope')}</dt><dd class="wrap scope">${scopeWords(lang, choices, g.scope)}</dd>
<dt>${aw(lang, 'company_until')}</dt><dd>${formatDate(lang, g.until)}</dd>
<dt>${aw(lang, 'status')}</dt><dd class="status">${tag(s === 'live', aw(lang, words[s]))}</dd>
<dt>${aw(lang, 'company_grantedAt')}</dt><dd>${formatTime(lang, g.grantedAt)}</dd>
${g.revokedAt ? html`<dt>${aw(lang, 'company_revokedAt')}</dt><dd>${formatTime(lang, g.revokedAt)}</dd>` : ''}
</dl>${
              s === 'live'
                ? html`<form method="post" action="${base}/agents/${g.accountId}/revoke">${hidden('csrf', session.csrf)}<button type="submit" class="secondary">${aw(lang, 'company_revoke')}<span class="visually-hidden">: ${g.name}</span></button></form>`
                : ''
            }</li>`;
          })}</ul>`
        : html`<p id="agents">${aw(lang, 'company_noAgents')}</p>`
    }
<h2 id="grant">${aw(lang, 'company_grantTitle')}</h2>
<p>${aw(lang, 'company_grantLead')}</p>
<form method="post" action="${base}/agents" novalidate>
${hidden('csrf', session.csrf)}
${field({
  name: 'agentName',
  label: aw(lang, 'company_agentName'),
  hint: aw(lang, 'company_nameHint'),
  error: errorOf('agentName'),
  value: input?.name ?? '',
  autocomplete: 'off',
  maxlength: 60,
})}
${field({
  name: 'residentId',
  label: aw(lang, 'company_residentId'),
  hint: aw(lang, 'company_residentIdHint'),
  error: errorOf('residentId'),
  value: input?.residentId ?? '',
  autocomplete: 'off',
  maxlength: 18,
})}
${
  choices.sites.length
    ? checkboxes(
        {
          name: 'clients',
          idPrefix: 'client-',
          legend: aw(lang, 'company_sites'),
          hint: aw(lang, choices.none ? 'company_sitesNone' : 'company_sitesHint'),
          error: scopeError,
        },
        choices.sites.map((s) => ({ value: s.clientId, label: s.name })),
        new Set(input?.clients ?? []),
      )
    : ''
}
${
  choices.licenceTypes.length
    ? checkboxes(
        {
          name: 'licenceTypes',
          idPrefix: 'type-',
          legend: aw(lang, 'company_licenceTypes'),
          error: choices.sites.length ? undefined : scopeError,
        },
        choices.licenceTypes.map((l) => ({ value: l.typeId, label: l.name })),
        new Set(input?.licenceTypes ?? []),
      )
    : ''
}
<div class="field${untilError ? ' error' : ''}"><label for="until">${aw(lang, 'company_until')}</label>
<p class="hint" id="until-hint">${aw(lang, 'company_untilHint')}</p>
${untilError ? html`<p class="message" id="until-error">${untilError}</p>` : ''}
<input id="until" name="until" type="date" value="${input?.until ?? ''}" aria-describedby="until-hint${untilError ? ' until-error' : ''}"${untilError ? html` aria-invalid="true"` : ''}></div>
<button type="submit">${aw(lang, 'company_grant')}</button>
</form>
<p><a href="account/companies">${aw(lang, 'company_back')}</a></p>`,
  };
};

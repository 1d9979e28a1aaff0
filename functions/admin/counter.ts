import type { APIGatewayProxyResult } from 'aws-lambda';
import { type Account, ialOf, LoginName } from '../../libs/accounts/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { ForbiddenError, NotFoundError, Router } from '../../libs/http/index.ts';
import {
  endRepresentationSessions,
  IdentityLinkedElsewhereError,
  identityOf,
  loadAccountDeletion,
  ProofingRefusedError,
  proveAtCounter,
  RegistryUnavailableError,
} from '../../libs/identity/index.ts';
import { backchannelQueuesOf, type ClientSession, endClientSessions } from '../../libs/oidc/index.ts';
import { type FirstPartyPortal, type PortalPage, portalPageGuard } from '../../libs/portal/index.ts';
import { ialWords } from '../../libs/proofing-pages/index.ts';
import type { PublicRoute, Runtime } from '../../libs/runtime/index.ts';
import {
  errorSummary,
  type FieldError,
  field,
  formatDate,
  type Html,
  hidden,
  html,
  pageResponse,
} from '../../libs/web/index.ts';
import { cardRefusal, readCardForm } from './card-form.ts';
import { cw } from './words.ts';

const HOME = '/admin/console/identity';
/** The record form's field ids. */
const CARD = { name: 'cardName', number: 'cardNumber', confirm: 'confirm' } as const;

/**
 * Counter verification (intranet): an identity officer finds a person by login name, checks
 * their resident ID card in person and records the name and number on it, which raises the
 * account to IAL 3 (`proveAtCounter`; checked against the identity source when one is
 * configured, which may refuse or not answer: the page says so and records nothing). The `identity-counter` policies decide who may (identity
 * officers, intranet, level 2); every look-up and every verification is audited with the
 * officer as actor and the person as subject.
 */
export const identityCounter = (runtime: Runtime, portal: FirstPartyPortal): Router<PublicRoute> => {
  const { access, accounts, config } = runtime;
  const { basePath } = portal;
  const guard = portalPageGuard({ portal, access, accounts, area: 'identity-counter', home: HOME });
  /**
   * A take-over at the counter ends the company roles the losing account held as the person, and
   * the sign-ins acting for those companies: their grants end at once; sites are told through
   * the zone queues this function reaches (docs/identity.md).
   */
  const releaseCompanyRoles = async (
    fromAccountId: string,
    personRef: string,
    ctx: { readonly zone: Zone; readonly actor: string },
  ) => {
    const { doc } = runtime;
    const table = config.tables.identity;
    const queues = backchannelQueuesOf({
      zone: config.zone,
      queueUrl: config.backchannelQueueUrl,
      local: runtime.backchannel,
    });
    const sessionDeps = {
      acting: identityOf(runtime).acting,
      endSessions: (sessions: readonly ClientSession[]) =>
        endClientSessions({ doc, table, queues }, sessions),
      audit: runtime.audit,
    };
    await (await loadAccountDeletion()).releaseCompanyRoles(
      {
        doc,
        table,
        companies: identityOf(runtime).companies,
        audit: runtime.audit,
        endAgentSessions: (accountId, uscc, c) => endRepresentationSessions(sessionDeps, accountId, uscc, c),
      },
      fromAccountId,
      personRef,
      ctx,
    );
  };

  const show = (
    p: PortalPage,
    status: number,
    o: { title: string; body: Html; errors?: readonly FieldError[] },
    path = HOME,
  ): APIGatewayProxyResult =>
    pageResponse({
      event: p.event,
      status,
      lang: p.lang,
      title: o.title,
      basePath,
      path,
      errors: o.errors,
      body: html`<div class="wide"><nav><p><a href="admin/console/identity">${cw(p.lang, 'counter_nav')}</a></p></nav>
<form method="post" action="admin/console/logout">${hidden('csrf', p.session.csrf)}<button type="submit" class="link-button">${cw(p.lang, 'admin_signOut')}</button></form>
${errorSummary(p.lang, o.errors ?? [])}<h1>${o.title}</h1>${o.body}</div>`,
    });

  const searchForm = (p: PortalPage, loginName = '', error?: string) =>
    html`<form method="get" action="admin/console/identity" novalidate id="find">
${field({ name: 'loginName', label: cw(p.lang, 'counter_loginName'), autocomplete: 'off', value: loginName, error, maxlength: 64 })}
<button type="submit" class="secondary">${cw(p.lang, 'counter_find')}</button></form>`;

  /** The person found, their level now, and the form to record the card. */
  const recordForm = (
    p: PortalPage,
    account: Account,
    sent: { values?: URLSearchParams; errors?: readonly FieldError[] } = {},
  ) => {
    const error = (id: string) => sent.errors?.find((e) => e.field === id)?.message;
    const confirmError = error('confirm');
    const ial = ialOf(account);
    return html`<h2>${cw(p.lang, 'counter_found')}</h2>
<dl id="person" data-account="${account.id}">
<dt>${cw(p.lang, 'counter_loginName')}</dt><dd id="person-login">${account.loginName}</dd>
<dt>${cw(p.lang, 'counter_displayName')}</dt><dd>${account.displayName}</dd>
<dt>${cw(p.lang, 'id_level')}</dt><dd id="person-ial" data-ial="${ial}">${ialWords(p.lang, ial)}</dd>
${account.identity ? html`<dt>${cw(p.lang, 'id_number')}</dt><dd><code>${account.identity.residentIdMasked}</code></dd><dt>${cw(p.lang, 'id_verifiedAt')}</dt><dd>${formatDate(p.lang, account.identity.verifiedAt)}</dd>` : ''}
</dl>
<h2 id="record-title">${cw(p.lang, 'counter_recordTitle')}</h2>
<form method="post" action="admin/console/identity/${encodeURIComponent(account.id)}" novalidate id="record">
${hidden('csrf', p.session.csrf)}
${field({ name: 'cardName', label: cw(p.lang, 'counter_cardName'), autocomplete: 'off', value: sent.values?.get('cardName') ?? '', error: error('cardName'), maxlength: 64 })}
${field({ name: 'cardNumber', label: cw(p.lang, 'counter_cardNumber'), hint: cw(p.lang, 'id_fieldResidentIdHint'), autocomplete: 'off', value: sent.values?.get('cardNumber') ?? '', error: error('cardNumber'), maxlength: 24 })}
<div class="field${confirmError ? ' error' : ''}">${confirmError ? html`<p class="message" id="confirm-error">${confirmError}</p>` : ''}
<div class="checkboxes"><input type="checkbox" id="confirm" name="confirm" value="yes"${confirmError ? html` aria-describedby="confirm-error" aria-invalid="true"` : ''}><label for="confirm">${cw(p.lang, 'counter_confirm')}</label></div></div>
<button type="submit">${cw(p.lang, 'counter_record')}</button>
</form>`;
  };

  const origin = (p: PortalPage) => ({
    zone: config.zone,
    sourceIp: p.who.sourceIp,
    userAgent: p.event.headers?.['user-agent']?.slice(0, 512),
    correlationId: p.who.correlationId,
  });

  /** Who looked up whom: once per look-up, found or not (the login name typed is not kept). */
  const auditLookup = (p: PortalPage, found: Account | undefined) =>
    runtime.audit.append({
      ...origin(p),
      type: 'identity.counter_lookup',
      outcome: found ? 'success' : 'failure',
      actor: p.who.actor,
      subject: found?.id,
      reason: found ? undefined : 'no-such-account',
    });

  const officerOf = async (p: PortalPage): Promise<Account> => {
    const officer = p.who.actor ? await accounts.findById(p.who.actor) : undefined;
    if (!officer) throw new ForbiddenError('your session has ended; sign in again');
    return officer;
  };

  return new Router<PublicRoute>()
    .on('GET', HOME, {
      public: true,
      handle: guard(async (p) => {
        const title = cw(p.lang, 'counter_title');
        const lead = html`<p class="lead">${cw(p.lang, 'counter_lead')}</p>`;
        const typed = (p.event.queryStringParameters?.loginName ?? '').slice(0, 200);
        if (!typed.trim()) return show(p, 200, { title, body: html`${lead}${searchForm(p)}` });
        const name = LoginName.safeParse(typed);
        if (!name.success) {
          const errors = [{ field: 'loginName', message: cw(p.lang, 'counter_errLoginName') }];
          return show(p, 400, {
            title,
            errors,
            body: html`${lead}${searchForm(p, typed, errors[0]!.message)}`,
          });
        }
        const account = await accounts.findByLoginName(name.data);
        await auditLookup(p, account);
        if (!account) {
          const errors = [{ field: 'loginName', message: cw(p.lang, 'counter_notFound') }];
          return show(p, 404, {
            title,
            errors,
            body: html`${lead}${searchForm(p, typed, errors[0]!.message)}`,
          });
        }
        return show(p, 200, { title, body: html`${lead}${searchForm(p, typed)}${recordForm(p, account)}` });
      }),
    })
    .on('POST', `${HOME}/{accountId}`, {
      public: true,
      handle: guard(async (p) => {
        const values = portal.readForm(p.event, p.session);
        const title = cw(p.lang, 'counter_title');
        const account = await accounts.findById(p.event.pathParameters?.accountId ?? '');
        if (!account) throw new NotFoundError('there is no such account');
        const again = (status: number, errors: FieldError[]) =>
          show(p, status, { title, errors, body: recordForm(p, account, { values, errors }) });
        const read = readCardForm(p.lang, values, CARD);
        if (read.errors) return again(400, read.errors);
        const officer = await officerOf(p);
        let verified: Account;
        try {
          verified = await proveAtCounter(
            { ...identityOf(runtime), accounts, audit: runtime.audit, releaseCompanyRoles },
            officer,
            account,
            read.input,
            origin(p),
          );
        } catch (err: unknown) {
          if (err instanceof ForbiddenError)
            return again(403, [{ field: 'cardName', message: cw(p.lang, 'counter_own') }]);
          // The registry did not recognise the card: the officer checks what they typed.
          if (err instanceof ProofingRefusedError) return again(422, [cardRefusal(p.lang, err, CARD)]);
          if (err instanceof RegistryUnavailableError)
            return show(p, 503, {
              title: cw(p.lang, 'id_unavailableTitle'),
              body: html`<p class="lead" id="proofing-outcome" data-outcome="unavailable">${cw(p.lang, err.reason === 'timeout' ? 'counter_unavailableTimeout' : 'counter_unavailableError')}</p>
${recordForm(p, account, { values })}`,
            });
          if (err instanceof IdentityLinkedElsewhereError)
            return show(p, 409, {
              title: cw(p.lang, 'id_linkedTitle'),
              body: html`<p class="lead" id="proofing-outcome" data-outcome="linked-elsewhere">${cw(p.lang, 'counter_linkedLead')}</p>
<p><a href="admin/console/identity">${cw(p.lang, 'counter_another')}</a></p>`,
            });
          throw err;
        }
        return show(p, 200, {
          title: cw(p.lang, 'counter_doneTitle'),
          body: html`<div class="notice" role="status" id="counter-done"><p>${cw(p.lang, 'counter_doneLead', { login: verified.loginName })}</p></div>
<dl><dt>${cw(p.lang, 'id_level')}</dt><dd id="person-ial" data-ial="${ialOf(verified)}">${ialWords(p.lang, ialOf(verified))}</dd>
<dt>${cw(p.lang, 'id_name')}</dt><dd>${verified.identity?.name ?? ''}</dd>
<dt>${cw(p.lang, 'id_number')}</dt><dd><code>${verified.identity?.residentIdMasked ?? ''}</code></dd></dl>
<p><a class="button" href="admin/console/identity">${cw(p.lang, 'counter_another')}</a></p>`,
        });
      }),
    });
};

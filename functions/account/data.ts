import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  type Account,
  DEFAULT_CLOSING_SECONDS,
  loadAccountClosings,
  type NoticeKind,
  sendNotice,
} from '../../libs/accounts/index.ts';
import { AuditQuery, type ChainedEvent } from '../../libs/audit/index.ts';
import { type DepartmentStore, departmentName } from '../../libs/departments/index.ts';
import {
  type AccountDeletionDeps,
  endRepresentationSessions,
  identityOf,
  loadAccountDeletion,
  type RepresentationSessionDeps,
} from '../../libs/identity/index.ts';
import type { LicenceService } from '../../libs/licences/index.ts';
import {
  AccountSessions,
  backchannelQueuesOf,
  forgetConsents,
  getClient,
  rememberedConsents,
} from '../../libs/oidc/index.ts';
import type { FirstPartyPortal, PortalSession } from '../../libs/portal/index.ts';
import { mailQueueOf, type Runtime } from '../../libs/runtime/index.ts';
import type { Lang } from '../../libs/web/index.ts';
import type { CompanyPagesDeps } from './companies.ts';
import { closingStartedView, dataView, type ExportPart } from './data-views.ts';
import { ownAct } from './origin.ts';
import type { AccountPage } from './views.ts';

/** The cooling-off of this deployment (seconds). */
export const closingSecondsOf = (runtime: Pick<Runtime, 'config'>): number =>
  runtime.config.accountClosingSeconds ?? DEFAULT_CLOSING_SECONDS;

/** The stores and senders closing and deleting an account need, built once per function. */
export const accountClosingOf = async (
  runtime: Runtime,
  endSessions: RepresentationSessionDeps['endSessions'],
) => {
  const [{ AccountClosings, removeAccount }, { sweepClosedAccounts }] = await Promise.all([
    loadAccountClosings(),
    loadAccountDeletion(),
  ]);
  const { config, doc, accounts } = runtime;
  const table = config.tables.identity;
  const closings = new AccountClosings(doc, table, accounts);
  const sessions = new AccountSessions({
    doc,
    table,
    queues: backchannelQueuesOf({
      zone: config.zone,
      queueUrl: config.backchannelQueueUrl,
      local: runtime.backchannel,
    }),
  });
  const mail = mailQueueOf(runtime);
  /** The person's remembered consents. */
  const consentItems = (accountId: string) => rememberedConsents(doc, table, accountId);
  const notify = (account: Account, notice: NoticeKind, lang: Lang) =>
    sendNotice(mail, account, notice, lang);
  const identity = identityOf(runtime);
  const deletion: AccountDeletionDeps = {
    doc,
    table,
    accounts,
    closings,
    removeAccount: (account) => removeAccount(doc, table, account),
    companies: identity.companies,
    acting: identity.acting,
    sessions,
    endAgentSessions: (agentAccountId, uscc, ctx) =>
      endRepresentationSessions(
        { acting: identity.acting, endSessions, audit: runtime.audit },
        agentAccountId,
        uscc,
        ctx,
      ),
    forgetConsents: (accountId) => forgetConsents(doc, table, accountId),
    notify: (account) => notify(account, 'account-closed', account.closing?.lang ?? 'zh-CN'),
    audit: runtime.audit,
    zone: config.zone,
  };
  return {
    closings,
    sessions,
    consentItems,
    notify,
    deletion,
    /** Deletes every account whose cooling-off has ended: the scheduled sweep. */
    sweep: () => sweepClosedAccounts(deletion),
  };
};
export type AccountClosing = Awaited<ReturnType<typeof accountClosingOf>>;

export interface DataPagesDeps {
  readonly runtime: Runtime;
  readonly closing: AccountClosing;
  readonly portal: FirstPartyPortal;
  readonly service: LicenceService;
  readonly departments: DepartmentStore;
  readonly show: CompanyPagesDeps['show'];
}

type Page = AccountPage;

const iso = (epochSeconds: number | undefined): string | undefined =>
  epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000).toISOString();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An id that names a person: an account id (a UUID, alone or after a `kind:` prefix) or a person's reference. */
const namesAPerson = (value: string): boolean =>
  UUID.test(value) || UUID.test(value.slice(value.indexOf(':') + 1)) || value.startsWith('person#');

/**
 * One audit event as the person's copy shows it: the person is "you"; anyone else (a counter
 * officer, a legal representative, an agent) is "another person", never their id; the source
 * address and browser only of what the person did themselves; no details (they may name others).
 */
export const exportedEvent = (mine: ReadonlySet<string>, e: ChainedEvent) => {
  const who = (value: string | undefined) =>
    value === undefined
      ? undefined
      : mine.has(value) || [...mine].some((m) => value.endsWith(`:${m}`))
        ? 'you'
        : namesAPerson(value)
          ? 'another person'
          : value;
  const byThem = e.actor !== undefined && mine.has(e.actor);
  return {
    time: e.time,
    type: e.type,
    outcome: e.outcome,
    zone: e.zone,
    ...(e.client ? { service: e.client } : {}),
    ...(e.actor ? { actor: who(e.actor) } : {}),
    ...(e.subject ? { subject: who(e.subject) } : {}),
    ...(e.onBehalfOf ? { onBehalfOf: e.onBehalfOf } : {}),
    ...(e.resource ? { resource: who(e.resource) } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(byThem && e.sourceIp ? { sourceIp: e.sourceIp } : {}),
    ...(byThem && e.userAgent ? { userAgent: e.userAgent } : {}),
  };
};

/** The most events of each kind the copy holds (the audit trail keeps 3 years at most). */
const MAX_EVENTS = 5000;

/** The "Your data" page, the download and closing the account. */
export const dataPages = (deps: DataPagesDeps) => {
  const { runtime, closing, portal, service, show } = deps;
  const { config, doc } = runtime;
  const { basePath } = portal;
  const { companies } = identityOf(runtime);
  const audit = new AuditQuery(doc, config.tables.audit);
  const period = closingSecondsOf(runtime);

  /** One audit event of the person's own act at this page. */
  const audited = (
    event: APIGatewayProxyEvent,
    account: Account,
    type: string,
    details?: Record<string, string | number>,
  ) => runtime.audit.append(ownAct(config.zone, event, account, type, details ? { details } : {}));

  const page = async (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    lang: Lang,
    account: Account,
    status = 200,
    extra: { readonly cancelled?: boolean; readonly confirmError?: boolean } = {},
  ) => {
    const represents = (await companies.representations(account.id))
      .filter((r) => r.role === 'legal-representative')
      .map((r) => r.company.name);
    return show(
      event,
      lang,
      status,
      dataView(lang, session, {
        period,
        closesAt: account.closing?.closesAt,
        fresh: portal.isFresh(session, account),
        represents,
        ...extra,
      }),
      '/account/data',
    );
  };

  /** Every event of the person: as actor, as subject, and of their licences (by their identity). */
  const activityOf = async (account: Account): Promise<ChainedEvent[]> => {
    const searches = [
      { actor: account.id },
      { subject: account.id },
      ...(account.identity ? [{ subject: account.identity.personRef }] : []),
    ];
    const found = new Map<string, ChainedEvent>();
    for (const filter of searches) {
      let next: string | undefined;
      let read = 0;
      do {
        const page = await audit.search(
          { ...filter, from: account.createdAt },
          { limit: 500, ...(next ? { cursor: next } : {}) },
        );
        for (const e of page.events) found.set(e.eventId, e);
        read += page.events.length;
        next = page.next;
      } while (next && read < MAX_EVENTS);
    }
    return [...found.values()].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  };

  /** Everything yitong holds about the person, part by part as the page lists them (EXPORT_PARTS). */
  const exportOf = async (account: Account, lang: Lang): Promise<Record<ExportPart, unknown>> => {
    const personRef = account.identity?.personRef;
    const clientName = new Map<string, Promise<string>>();
    const nameOf = (clientId: string) => {
      let name = clientName.get(clientId);
      if (!name) {
        name = getClient(doc, config.tables.identity, clientId).then((c) =>
          typeof c?.client_name === 'string' ? c.client_name : clientId,
        );
        clientName.set(clientId, name);
      }
      return name;
    };
    const [consents, grants, sessions, events, passkeys, licences, types, representations] =
      await Promise.all([
        closing.consentItems(account.id),
        closing.sessions.grants(account.id),
        closing.sessions.sessions(account.id),
        activityOf(account),
        Promise.all(account.passkeyIds.map((id) => runtime.accounts.findPasskey(id))),
        personRef ? service.licencesOf(personRef) : Promise.resolve([]),
        service.types.list(),
        companies.representations(account.id),
      ]);
    const [shares, receipts] = personRef
      ? await Promise.all([
          Promise.all(licences.map((l) => service.sharesOf(personRef, l.licenceId))).then((s) => s.flat()),
          service.receiptsOf(personRef),
        ])
      : [[], []];
    const typeName = new Map(types.map((t) => [t.vct, t.name[lang]]));
    const issuers = new Map<string, string>();
    for (const l of licences)
      if (!issuers.has(l.department)) {
        const d = await deps.departments.get(l.department);
        issuers.set(l.department, d ? departmentName(d, lang) : l.department);
      }
    const mine = new Set([account.id, ...(personRef ? [personRef] : [])]);
    const totp = account.totp;
    return {
      account: {
        id: account.id,
        kind: account.kind,
        loginName: account.loginName,
        displayName: account.displayName,
        ...(account.email ? { email: account.email } : {}),
        roles: account.roles,
        ...(account.department ? { department: account.department } : {}),
        status: account.status,
        identityAssurance: account.identityAssurance,
        createdAt: account.createdAt,
        ...(account.closing
          ? { closing: { requestedAt: account.closing.requestedAt, closesAt: iso(account.closing.closesAt) } }
          : {}),
      },
      signIn: {
        password: true,
        authenticatorApp: totp
          ? {
              enabledAt: totp.enabledAt,
              recoveryCodesLeft: (totp.recovery?.hashes.length ?? 0) + totp.recoveryCodes.length,
            }
          : null,
        passkeys: passkeys.flatMap((p) =>
          p ? [{ id: p.credentialId, addedAt: p.createdAt, transports: p.transports }] : [],
        ),
      },
      identity: account.identity
        ? {
            level: account.identity.ial,
            name: account.identity.name,
            birthDate: account.identity.birthDate,
            residentIdMasked: account.identity.residentIdMasked,
            method: account.identity.method,
            evidence: account.identity.evidence,
            verifiedAt: account.identity.verifiedAt,
            // The officer who checked is another person: only their department.
            ...(account.identity.verifiedBy?.department
              ? { verifiedByDepartment: account.identity.verifiedBy.department }
              : {}),
          }
        : null,
      consents: await Promise.all(
        consents.map(async (c) => ({
          service: c.clientId,
          serviceName: await nameOf(c.clientId),
          scopes: c.scopes,
          at: c.at,
        })),
      ),
      grants: await Promise.all(
        grants.map(async (g) => ({
          service: g.clientId,
          serviceName: await nameOf(g.clientId),
          scopes: g.scopes,
          claims: g.claims,
          issuedAt: iso(g.issuedAt),
          expiresAt: iso(g.expiresAt),
        })),
      ),
      sessions: sessions.map((s) => ({
        signedInAt: iso(s.loginTs),
        expiresAt: iso(s.expiresAt),
        level: s.acr,
        methods: s.amr,
        services: s.clients.map((c) => c.clientId),
        ...(s.device ? { device: s.device } : {}),
      })),
      activity: events.map((e) => exportedEvent(mine, e)),
      licences: licences.map((l) => ({
        licenceId: l.licenceId,
        type: typeName.get(l.vct) ?? l.vct,
        vct: l.vct,
        issuer: issuers.get(l.department) ?? l.department,
        status: l.status,
        issuedAt: iso(l.iat),
        validFrom: iso(l.nbf),
        validUntil: iso(l.exp),
        shares: shares
          .filter((s) => s.licenceId === l.licenceId)
          .map((s) => ({
            fields: s.fields,
            purpose: s.purpose,
            createdAt: s.createdAt,
            linkExpiresAt: iso(s.linkExpiresAt),
            ...(s.withdrawnAt ? { withdrawnAt: s.withdrawnAt } : {}),
          })),
        verifications: receipts
          .filter((r) => r.licenceId === l.licenceId)
          .map((r) => ({
            at: r.at,
            verifier: r.verifier,
            purpose: r.purpose,
            verdict: r.verdict,
            channel: r.channel,
          })),
      })),
      companies: representations.map((r) => ({
        uscc: r.company.uscc,
        name: r.company.name,
        role: r.role,
        ...(r.scope ? { services: r.scope.clients, licenceTypes: r.scope.licenceTypes } : {}),
        ...(r.until ? { until: r.until } : {}),
      })),
    };
  };

  const show_: Page = async (event, session, lang, account) =>
    page(event, session, lang, account, 200, { cancelled: event.queryStringParameters?.cancelled === '1' });

  const download: Page = async (event, session, lang, account) => {
    portal.readForm(event, session);
    const parts = await exportOf(account, lang);
    const exportedAt = new Date().toISOString();
    await audited(event, account, 'account.data_exported');
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="yitong-data-${exportedAt.slice(0, 10)}.json"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: JSON.stringify({ format: 'yitong-personal-data/1', exportedAt, ...parts }, null, 2),
    };
  };

  const close: Page = async (event, session, lang, account) => {
    const form = portal.readForm(event, session);
    if (account.closing) return portal.redirect(`${basePath}/account/data`);
    // Closing is the most sensitive change of all: a sign-in of a moment ago, at the account's highest level.
    if (!portal.isFresh(session, account)) return portal.freshSignIn(account, '/account/data');
    if (form.get('confirm') !== 'yes')
      return page(event, session, lang, account, 400, { confirmError: true });
    const closed = await closing.closings.request(account, period, lang);
    // Every session and every site's grant, at once: each site is told by back-channel logout.
    const ended = await closing.sessions.end(account.id, { alsoGrants: () => true });
    await closing.notify(closed, 'account-closing', lang);
    await audited(event, account, 'account.closing_requested', {
      closesAt: iso(closed.closing?.closesAt) ?? '',
      sessionsEnded: ended.sessions,
      grantsEnded: ended.ended,
      sitesNotified: ended.notified,
    });
    return show(event, lang, 200, closingStartedView(lang, closed.closing!.closesAt), '/account/data');
  };

  const cancel: Page = async (event, session, lang, account) => {
    portal.readForm(event, session);
    const kept = await closing.closings.cancel(account);
    if (kept) {
      await closing.notify(kept, 'account-closing-cancelled', lang);
      await audited(event, account, 'account.closing_cancelled');
    }
    return portal.redirect(`${basePath}/account/data?cancelled=1`);
  };

  return { page: show_, download, close, cancel };
};

import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  type Account,
  AccountConflictError,
  type NoticeKind,
  sendNotice,
} from '../../libs/accounts/index.ts';
import { AuditQuery, type ChainedEvent } from '../../libs/audit/index.ts';
import { type DepartmentStore, departmentName } from '../../libs/departments/index.ts';
import { NotFoundError } from '../../libs/http/index.ts';
import { LogMessage, logger } from '../../libs/observability/index.ts';
import {
  type AccountSession,
  AccountSessions,
  backchannelQueuesOf,
  FIRST_PARTY_CLIENT_IDS,
  forgetConsent,
  getClient,
  rememberedConsents,
  type SessionEndResult,
} from '../../libs/oidc/index.ts';
import type { FirstPartyPortal } from '../../libs/portal/index.ts';
import { mailQueueOf, type Runtime } from '../../libs/runtime/index.ts';
import { epochSeconds } from '../../libs/store/index.ts';
import { cookiesOf, describeAccess, type Lang } from '../../libs/web/index.ts';
import { type ServiceShown, type SessionShown, servicesView, sessionsView } from './connection-views.ts';
import { requestOrigin } from './origin.ts';
import type { AccountPage, ShowView } from './views.ts';
import { aw } from './words.ts';

/** What the connected services and sessions pages need: the runtime, the portal and how pages are shown. */
export interface ConnectionPagesDeps {
  readonly runtime: Runtime;
  readonly portal: FirstPartyPortal;
  readonly departments: DepartmentStore;
  readonly show: ShowView;
}

type Page = AccountPage;

/** The issuer's single sign-on cookie (oidc-provider's default name): it holds the session's id. */
const SSO_COOKIE = '_session';
/** A client id as a path segment: registered ids are short and plain. */
const CLIENT_ID = /^[\w.:~-]{1,128}$/;
/** A session's uid (oidc-provider's nanoid). */
const SESSION_UID = /^[\w-]{1,64}$/;
/** Events that show a site was used for the person: a sign-in, a token issued or refreshed. */
const USE_EVENTS = new Set(['login.success', 'token.issued', 'token.refreshed']);
/** How far back "last used" looks: the person's newest events, one indexed query. */
const RECENT_EVENTS = 300;

/**
 * The account centre's connected services (every site the person allowed, what it may see, when
 * last used, withdrawing it) and sessions (each browser session, signing out of one or of
 * everything). Every change ends grants with back-channel logout through `AccountSessions`, is
 * audited once and sends the person a notice. None needs a fresh sign-in: each only takes access
 * away, which someone holding the session could do by signing out anyway.
 */
export const connectionPages = (deps: ConnectionPagesDeps) => {
  const { runtime, portal, departments, show } = deps;
  const { config, doc, accounts } = runtime;
  const table = config.tables.identity;
  const { basePath } = portal;
  const sessions = new AccountSessions({
    doc,
    table,
    queues: backchannelQueuesOf({
      zone: config.zone,
      queueUrl: config.backchannelQueueUrl,
      local: runtime.backchannel,
    }),
  });
  const activity = new AuditQuery(doc, config.tables.audit);
  const mailFailed = (err: unknown) =>
    logger.error(LogMessage.accountMailFailed, { error: err instanceof Error ? err.message : String(err) });
  const mail = mailQueueOf(runtime, mailFailed);

  /** Each client's registration, read once per request. */
  const clientsOf = async (ids: Iterable<string>) =>
    new Map(
      await Promise.all([...new Set(ids)].map(async (id) => [id, await getClient(doc, table, id)] as const)),
    );
  const clientName = (c: Awaited<ReturnType<typeof getClient>>, id: string) =>
    typeof c?.client_name === 'string' ? c.client_name : id;

  const audit = (
    event: APIGatewayProxyEvent,
    account: Account,
    type: 'consent.withdrawn' | 'session.ended' | 'session.ended_everywhere',
    result: SessionEndResult,
    extra: {
      readonly client?: string;
      readonly resource?: string;
      readonly details?: Record<string, unknown>;
    },
  ) =>
    runtime.audit.append({
      type,
      // Ended, but a site that could not be told keeps its own session until it next checks.
      outcome: result.unnotified.length ? 'failure' : 'success',
      ...(result.unnotified.length ? { reason: 'back-channel logout not queued for every site' } : {}),
      zone: config.zone,
      actor: account.id,
      subject: account.id,
      ...(extra.client ? { client: extra.client } : {}),
      ...(extra.resource ? { resource: extra.resource } : {}),
      ...requestOrigin(event),
      details: {
        ...extra.details,
        ended: result.ended,
        notified: result.notified,
        ...(result.unnotified.length ? { unnotified: result.unnotified.map((s) => s.clientId) } : {}),
      },
    });

  /** The notice of a change, on every channel the person has (locally: the outbox). */
  // The change is made and audited: a queue that refuses the notice is logged, not answered with an error.
  const notify = (account: Account, notice: NoticeKind, lang: Lang) =>
    sendNotice(mail, account, notice, lang).catch(mailFailed);

  /** The sites the person allowed (remembered consent or a live grant), never yitong's own portals. */
  const servicesOf = async (account: Account, lang: Lang): Promise<ServiceShown[]> => {
    const [consents, grants, live, recent] = await Promise.all([
      rememberedConsents(doc, table, account.id),
      sessions.grants(account.id),
      sessions.sessions(account.id),
      activity.search({ actor: account.id }, { limit: RECENT_EVENTS }),
    ]);
    const ids = new Set(
      [...consents.map((c) => c.clientId), ...grants.map((g) => g.clientId)].filter(
        (id) => !FIRST_PARTY_CLIENT_IDS.has(id),
      ),
    );
    const clients = await clientsOf(ids);
    const departmentIds = [...clients.values()]
      .map((c) => (typeof c?.yitong_department === 'string' ? c.yitong_department : undefined))
      .filter((d): d is string => Boolean(d));
    const names = new Map(
      await Promise.all(
        [...new Set(departmentIds)].map(async (id) => {
          const d = await departments.get(id);
          return [id, d ? departmentName(d, lang) : id] as const;
        }),
      ),
    );
    const lastUse = new Map<string, string>();
    // Newest first: the first use of each site is its last.
    for (const e of recent.events as ChainedEvent[])
      if (e.client && e.outcome === 'success' && USE_EVENTS.has(e.type) && !lastUse.has(e.client))
        lastUse.set(e.client, e.time);
    // A session still names a site whose grant was ended (withdrawn): it is signed in there no more.
    const liveGrants = new Set(grants.map((g) => g.grantId));
    return [...ids]
      .map((id): ServiceShown => {
        const client = clients.get(id);
        const consent = consents.find((c) => c.clientId === id);
        const held = grants.filter((g) => g.clientId === id);
        const scopes = [...new Set([...(consent?.scopes ?? []), ...held.flatMap((g) => g.scopes)])];
        const department =
          typeof client?.yitong_department === 'string' ? client.yitong_department : undefined;
        const issued = held.map((g) => g.issuedAt).filter((at): at is number => at !== undefined);
        const since = consent?.at ?? (issued.length ? Math.min(...issued) : undefined);
        const last = lastUse.get(id);
        return {
          clientId: id,
          name: clientName(client, id),
          department: department ? (names.get(department) ?? department) : aw(lang, 'svc_platform'),
          access: describeAccess(
            lang,
            scopes.length ? scopes : ['openid'],
            held.flatMap((g) => g.claims),
          ),
          ...(since !== undefined ? { since } : {}),
          ...(last ? { lastUsed: last } : {}),
          sessions: live.filter((s) =>
            s.clients.some((c) => c.clientId === id && c.grantId && liveGrants.has(c.grantId)),
          ).length,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name, lang));
  };

  /** The session this browser is signed in with at the issuer, by its cookie (never shown). */
  const currentOf = (event: APIGatewayProxyEvent, live: readonly AccountSession[]) => {
    const id = cookiesOf(event)[SSO_COOKIE];
    return id ? live.find((s) => s.id === id) : undefined;
  };

  const services: Page = async (event, session, lang, account) => {
    const asked = event.queryStringParameters?.withdrawn;
    const withdrawn =
      asked && CLIENT_ID.test(asked) && !FIRST_PARTY_CLIENT_IDS.has(asked)
        ? clientName(await getClient(doc, table, asked), asked)
        : undefined;
    return show(
      event,
      lang,
      200,
      servicesView(lang, session, { services: await servicesOf(account, lang), withdrawn }),
      '/account/services',
    );
  };

  /**
   * Withdraws the person's consent to a site: every grant of the site ends (its codes, access and
   * refresh tokens fail at once), its sessions are told by back-channel logout, and the
   * remembered consent is forgotten, so the next sign-in there asks again.
   */
  const withdraw: Page = async (event, session, lang, account) => {
    portal.readForm(event, session);
    const clientId = event.pathParameters?.clientId ?? '';
    const none = () => new NotFoundError(aw(lang, 'svc_unknownNotFound'));
    if (!CLIENT_ID.test(clientId) || FIRST_PARTY_CLIENT_IDS.has(clientId)) throw none();
    const [consents, grants] = await Promise.all([
      rememberedConsents(doc, table, account.id),
      sessions.grants(account.id),
    ]);
    const consent = consents.find((c) => c.clientId === clientId);
    if (!consent && !grants.some((g) => g.clientId === clientId)) throw none();
    const result = await sessions.end(account.id, { clientId, alsoGrants: (g) => g.clientId === clientId });
    await forgetConsent(doc, table, account.id, clientId);
    await audit(event, account, 'consent.withdrawn', result, {
      client: clientId,
      details: { scopes: consent?.scopes ?? [] },
    });
    await notify(account, 'consent-withdrawn', lang);
    return portal.redirect(`${basePath}/account/services?withdrawn=${encodeURIComponent(clientId)}`);
  };

  const sessionsPage: Page = async (event, session, lang, account) => {
    const [live, grants] = await Promise.all([sessions.sessions(account.id), sessions.grants(account.id)]);
    const current = currentOf(event, live);
    // Only the sites still signed in: a withdrawn site's grant is gone though the session names it.
    const liveGrants = new Set(grants.map((g) => g.grantId));
    const clients = await clientsOf(live.flatMap((s) => s.clients.map((c) => c.clientId)));
    const shown = live.map(
      (s): SessionShown => ({
        uid: s.uid,
        current: s === current,
        userAgent: s.device?.userAgent,
        zone: s.device?.zone,
        network: s.device?.network,
        loginTs: s.loginTs,
        lastSeenAt: s.device?.lastSeenAt,
        amr: s.amr,
        sites: s.clients
          .filter((c) => c.grantId && liveGrants.has(c.grantId))
          .map((c) => clientName(clients.get(c.clientId), c.clientId)),
      }),
    );
    // This browser's session first, then the most recently used.
    shown.sort((a, b) => Number(b.current) - Number(a.current));
    return show(
      event,
      lang,
      200,
      sessionsView(lang, session, { sessions: shown, ended: event.queryStringParameters?.ended === '1' }),
      '/account/sessions',
    );
  };

  /**
   * Signs out of one session, named by its public uid: found among the person's own sessions
   * only, so another person's session is as absent as an unknown one.
   */
  const endOne: Page = async (event, session, lang, account) => {
    portal.readForm(event, session);
    const uid = event.pathParameters?.uid ?? '';
    const live = SESSION_UID.test(uid) ? await sessions.sessions(account.id) : [];
    const target = live.find((s) => s.uid === uid);
    if (!target) throw new NotFoundError(aw(lang, 'sess_notFound'));
    const result = await sessions.end(account.id, { which: (s) => s.uid === uid });
    await audit(event, account, 'session.ended', result, {
      resource: `session:${uid}`,
      details: { clients: target.clients.map((c) => c.clientId) },
    });
    // This very browser's session: the portal's own session goes with it.
    if (currentOf(event, live) === target)
      return portal.endedSessionRedirect(`${basePath}/account/signed-out`);
    return portal.redirect(`${basePath}/account/sessions?ended=1`);
  };

  /**
   * Signs out everywhere: first every session and token from before now stops counting
   * (`sessionsValidAfter`, which the issuer and every portal check), then every session and grant
   * is ended with back-channel logout to each site.
   */
  const endAll: Page = async (event, session, lang, account) => {
    portal.readForm(event, session);
    await invalidateSessions(account);
    const result = await sessions.end(account.id, { alsoGrants: () => true });
    await audit(event, account, 'session.ended_everywhere', result, {
      details: { sessions: result.sessions },
    });
    await notify(account, 'signed-out-everywhere', lang);
    return portal.endedSessionRedirect(`${basePath}/account/signed-out?everywhere=1`);
  };

  /** Bumps `sessionsValidAfter` to now, re-reading the account if it changed meanwhile. */
  const invalidateSessions = async (account: Account) => {
    let current: Account | undefined = account;
    for (let attempt = 0; current && attempt < 3; attempt++) {
      try {
        await accounts.update(current, { sessionsValidAfter: epochSeconds() });
        return;
      } catch (err: unknown) {
        if (!(err instanceof AccountConflictError)) throw err;
        current = await accounts.findById(account.id);
      }
    }
    throw new AccountConflictError(`account ${account.id} kept changing; sign out everywhere again`);
  };

  return { services, withdraw, sessions: sessionsPage, endOne, endAll };
};

/** The connected services and sessions pages, each a signed-in page of the account portal. */
export type ConnectionPages = ReturnType<typeof connectionPages>;

import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type Account, ialOf } from '../../libs/accounts/index.ts';
import { AuditQuery, type ChainedEvent, eventTypeEntry } from '../../libs/audit/index.ts';
import { DepartmentStore, departmentName } from '../../libs/departments/index.ts';
import {
  DomainError,
  ForbiddenError,
  httpFunction,
  isRouteFound,
  NotFoundError,
  Router,
  routedEvent,
} from '../../libs/http/index.ts';
import {
  companyRef,
  coversLicenceType,
  holderKind,
  identityOf,
  type Representation,
} from '../../libs/identity/index.ts';
import { type Licence, LicenceService, licenceClaims, ShareRequest } from '../../libs/licences/index.ts';
import {
  ACCOUNT_PORTAL,
  backchannelQueuesOf,
  type ClientSession,
  endClientSessions,
  getClient,
} from '../../libs/oidc/index.ts';
import { FirstPartyPortal, type PortalSession } from '../../libs/portal/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';
import { errorPages, type Lang, langOfEvent, pageResponse, t } from '../../libs/web/index.ts';
import { companyPages } from './companies.ts';
import type { ConnectionPages } from './connections.ts';
import type { contactPages } from './contact.ts';
import { identityPages } from './identity.ts';
import type { SecurityPages } from './security.ts';
import {
  ACCOUNT_STYLES,
  type AccountPage,
  activityView,
  type CompanyShown,
  companyWalletView,
  licenceView,
  notFoundView,
  type ShareInput,
  sessionEndedView,
  shareErrors,
  shareReadyView,
  type View,
  verificationsView,
  walletView,
} from './views.ts';
import { ww } from './words.ts';

/** Sign-ins to a service: at the sign-in page, or by single sign-on (a code exchanged with no sign-in page). */
const signedInTo = (e: ChainedEvent): string | undefined =>
  e.client &&
  e.outcome === 'success' &&
  (e.type === 'login.success' ||
    (e.type === 'token.issued' &&
      (e.details as { grantType?: unknown } | undefined)?.grantType === 'authorization_code'))
    ? e.client
    : undefined;

/** The account portal's own client of the public issuer (first party). */
export const ACCOUNT_CLIENT_ID = ACCOUNT_PORTAL.clientId;
type Session = PortalSession;

/**
 * The citizen's account portal (public zone): sign in through the public issuer, then the
 * licence wallet — list, view, download, share chosen fields for a stated purpose as a link
 * and QR code that expire, withdraw a share — and who checked my licences.
 */
export const makeHandler = async (runtime: Runtime) => {
  const { config, doc, accounts } = runtime;
  const licenceIssuer = config.licenceIssuer ?? config.issuer;
  const service = new LicenceService({
    doc,
    table: config.tables.licences,
    issuer: licenceIssuer,
    keyring: runtime.keyring,
  });
  const { companies } = identityOf(runtime);
  const portal = new FirstPartyPortal(runtime, {
    spec: ACCOUNT_PORTAL,
    home: '/account/licences',
    cookie: 'yitong_account',
  });
  const { basePath } = portal;
  // Ending an agent's company sessions: the sign-ins acting for the company, and the zones'
  // back-channel logout queues (the zone's oidc function signs the logout tokens).
  const representationSessions = {
    acting: identityOf(runtime).acting,
    endSessions: (sessions: readonly ClientSession[]) =>
      endClientSessions(
        {
          doc,
          table: config.tables.identity,
          queues: backchannelQueuesOf({
            zone: config.zone,
            queueUrl: config.backchannelQueueUrl,
            local: runtime.backchannel,
          }),
        },
        sessions,
      ),
    audit: runtime.audit,
  };
  const activity = new AuditQuery(doc, config.tables.audit);
  const departments = new DepartmentStore(doc, config.tables.identity);
  /** Departments' names in one language, each read once per request. */
  const issuerNames = (lang: Lang) => {
    const cache = new Map<string, Promise<string>>();
    return (id: string): Promise<string> => {
      let name = cache.get(id);
      if (!name) {
        name = departments.get(id).then((d) => (d ? departmentName(d, lang) : id));
        cache.set(id, name);
      }
      return name;
    };
  };
  const issuersOf = async (lang: Lang, licences: readonly Licence[]) => {
    const nameOf = issuerNames(lang);
    const ids = [...new Set(licences.map((l) => l.department))];
    return new Map(await Promise.all(ids.map(async (id) => [id, await nameOf(id)] as const)));
  };
  const readForm = (event: APIGatewayProxyEvent, session: Session) => portal.readForm(event, session);

  const show = (event: APIGatewayProxyEvent, lang: Lang, status: number, view: View, path: string) =>
    pageResponse({
      event,
      status,
      lang,
      title: view.title,
      body: view.body,
      script: view.script,
      styles: ACCOUNT_STYLES,
      basePath,
      path,
    });
  const now = () => Math.floor(Date.now() / 1000);
  // Connected services and sessions: loaded on first use (a chunk of their own), off the cold start.
  let connectionsLoaded: Promise<ConnectionPages> | undefined;
  const connectionsPage =
    (name: keyof ConnectionPages): Page =>
    async (event, session, lang, account) => {
      connectionsLoaded ??= import('./connections.ts').then((m) =>
        m.connectionPages({ runtime, portal, departments, show }),
      );
      return (await connectionsLoaded)[name](event, session, lang, account);
    };
  const connections = {
    services: connectionsPage('services'),
    withdraw: connectionsPage('withdraw'),
    sessions: connectionsPage('sessions'),
    endOne: connectionsPage('endOne'),
    endAll: connectionsPage('endAll'),
    signedOut: async (event: APIGatewayProxyEvent, lang: Lang) =>
      show(
        event,
        lang,
        200,
        (await import('./connection-views.ts')).signedOutView(
          lang,
          event.queryStringParameters?.everywhere === '1',
        ),
        '/account/signed-out',
      ),
  };
  // Your data: the download, closing the account and the sweep that deletes closed accounts,
  // loaded on first use (a chunk of its own): most requests never need them.
  let dataModule: Promise<Awaited<ReturnType<typeof loadData>>> | undefined;
  const loadData = async () => {
    const { accountClosingOf, dataPages } = await import('./data.ts');
    const closing = await accountClosingOf(runtime, representationSessions.endSessions);
    return { closing, pages: dataPages({ runtime, closing, portal, service, departments, show }) };
  };
  const data = () => {
    dataModule ??= loadData().catch((err: unknown) => {
      dataModule = undefined;
      throw err;
    });
    return dataModule;
  };
  const dataPage =
    (which: 'page' | 'download' | 'close' | 'cancel'): Page =>
    async (...args) =>
      (await data()).pages[which](...args);
  const identityRoutes = identityPages({ runtime, portal, clientId: ACCOUNT_CLIENT_ID, show });
  const companyRoutes = companyPages({
    runtime,
    sessions: representationSessions,
    portal,
    departments,
    licenceTypes: () => service.types.list(),
    show,
  });

  // The contact details pages load on first use (a chunk of their own), off the cold start.
  let contactModule: Promise<ReturnType<typeof contactPages>> | undefined;
  const contact =
    (name: keyof ReturnType<typeof contactPages>): Page =>
    async (...args) => {
      contactModule ??= import('./contact.ts').then(({ contactPages }) =>
        contactPages({ runtime, portal, client: ACCOUNT_CLIENT_ID, show }),
      );
      contactModule.catch(() => {
        contactModule = undefined;
      });
      return (await contactModule)[name](...args);
    };

  /**
   * Whose licences the person may see, always by the holder reference, never by login name: a
   * person's own once they have proved their identity (IAL 2 or more), and a company's when
   * they act for it now (as its legal representative, or as an agent whose scope names the
   * licence type).
   */
  const personRefOf = (account: Account): string | undefined =>
    ialOf(account) >= 2 ? account.identity?.personRef : undefined;
  const shown = (r: Representation): CompanyShown => ({
    uscc: r.company.uscc,
    name: r.company.name,
    role: r.role,
  });
  /** What the person may do with a licence: undefined when it is not theirs to see. */
  const holding = async (
    account: Account,
    licence: Licence,
  ): Promise<{ readonly company?: CompanyShown } | undefined> => {
    if (holderKind(licence.holder) === 'person')
      return licence.holder === personRefOf(account) ? {} : undefined;
    if (holderKind(licence.holder) !== 'company') return undefined;
    const r = await companies.representation(account.id, licence.holder.slice('company#'.length));
    return r && coversLicenceType(r, licence.typeId) ? { company: shown(r) } : undefined;
  };
  const ownLicence = async (
    account: Account,
    licenceId: string,
  ): Promise<{ readonly licence: Licence; readonly company?: CompanyShown }> => {
    const licence = await service.get(licenceId);
    const held = licence && (await holding(account, licence));
    // Someone else's licence is as absent as a missing one.
    if (!licence || !held) throw new NotFoundError('there is no such licence in your wallet');
    return { licence, ...held };
  };
  /** The company the person acts for now, with the licences their role lets them see. */
  const companyWallet = async (account: Account, uscc: string) => {
    const r = /^[0-9A-Z]{18}$/.test(uscc) ? await companies.representation(account.id, uscc) : undefined;
    if (!r) throw new NotFoundError('you do not act for this company');
    const licences = (await service.licencesOf(companyRef(uscc))).filter((l) =>
      coversLicenceType(r, l.typeId),
    );
    return { company: shown(r), licences };
  };
  const typesByVct = async () => new Map((await service.types.list()).map((t) => [t.vct, t]));

  const audit = (
    event: APIGatewayProxyEvent,
    session: Session,
    type: string,
    licence: Licence,
    details: Record<string, string | string[]>,
  ) =>
    runtime.audit.append({
      type,
      outcome: 'success',
      zone: config.zone,
      actor: session.sub,
      // Acting for the company that holds it.
      ...(holderKind(licence.holder) === 'company' ? { onBehalfOf: licence.holder } : {}),
      subject: session.sub,
      department: licence.department,
      resource: licence.licenceId,
      sourceIp: event.requestContext?.identity?.sourceIp,
      correlationId: event.requestContext?.requestId,
      details,
    });

  /** One licence's page: with the share form as sent and its errors, or with a withdrawal to confirm. */
  const showLicence = async (
    event: APIGatewayProxyEvent,
    session: Session,
    lang: Lang,
    licence: Licence,
    status: number,
    extra: Pick<Parameters<typeof licenceView>[2], 'withdrawn' | 'input' | 'errors' | 'company'>,
  ) => {
    const [types, shares, issuer] = await Promise.all([
      typesByVct(),
      service.sharesOf(licence.holder, licence.licenceId),
      issuerNames(lang)(licence.department),
    ]);
    const { claims, disclosable: fields } = licenceClaims(licence.sdJwt);
    return show(
      event,
      lang,
      status,
      licenceView(lang, session, {
        licence,
        type: types.get(licence.vct),
        issuer,
        claims,
        fields,
        shares,
        now: now(),
        ...extra,
      }),
      `/account/licences/${encodeURIComponent(licence.licenceId)}`,
    );
  };

  type Page = AccountPage;
  /** A step of signing in or out, open to anyone. */
  type Step = (event: APIGatewayProxyEvent, lang: Lang) => Promise<APIGatewayProxyResult>;
  type Route = { readonly page: Page } | { readonly step: Step };
  const signedIn = (page: Page): Route => ({ page });
  // The sign-in and security pages load on first use (a chunk of their own): most requests of the
  // account centre never need them, or the WebAuthn options they make.
  let securityLoaded: Promise<SecurityPages> | undefined;
  const security =
    (name: keyof SecurityPages): Page =>
    async (...args) => {
      securityLoaded ??= import('./security.ts')
        .then((m) => m.securityPages({ runtime, portal, show }))
        .catch((err: unknown) => {
          securityLoaded = undefined;
          throw err;
        });
      return (await securityLoaded)[name](...args);
    };
  const open = (step: Step): Route => ({ step });

  const router = new Router<Route>()
    .on(
      'GET',
      '/account',
      open(async () => portal.redirect(`${basePath}/account/licences`)),
    )
    .on(
      'GET',
      '/account/login',
      open((event, lang) => portal.login(event, lang)),
    )
    .on(
      'GET',
      '/account/callback',
      open((event) => portal.callback(event)),
    )
    .on(
      'POST',
      '/account/logout',
      open((event) => portal.logout(event)),
    )
    .on(
      'GET',
      '/account/licences',
      signedIn(async (event, session, lang, account) => {
        const personRef = personRefOf(account);
        const [licences, types, representations] = await Promise.all([
          personRef ? service.licencesOf(personRef) : undefined,
          typesByVct(),
          companies.representations(account.id),
        ]);
        const issuers = await issuersOf(lang, licences ?? []);
        return show(
          event,
          lang,
          200,
          walletView(lang, session, {
            licences,
            types,
            issuers,
            companies: representations.map(shown),
            now: now(),
          }),
          '/account/licences',
        );
      }),
    )
    .on(
      'GET',
      '/account/companies/{uscc}/licences',
      signedIn(async (event, session, lang, account) => {
        const uscc = event.pathParameters?.uscc ?? '';
        const [{ company, licences }, types] = await Promise.all([
          companyWallet(account, uscc),
          typesByVct(),
        ]);
        return show(
          event,
          lang,
          200,
          companyWalletView(lang, session, {
            company,
            licences,
            types,
            issuers: await issuersOf(lang, licences),
            now: now(),
          }),
          `/account/companies/${uscc}/licences`,
        );
      }),
    )
    .on(
      'GET',
      '/account/companies/{uscc}/verifications',
      signedIn(async (event, session, lang, account) => {
        const uscc = event.pathParameters?.uscc ?? '';
        // The right to act for the company first: nothing of it is read without one.
        const { licences } = await companyWallet(account, uscc);
        const [receipts, types] = await Promise.all([service.receiptsOf(companyRef(uscc)), typesByVct()]);
        // Checks of the licences this person may see, and no others of the company.
        const names = new Map(licences.map((l) => [l.licenceId, types.get(l.vct)?.name[lang] ?? l.vct]));
        return show(
          event,
          lang,
          200,
          verificationsView(
            lang,
            session,
            receipts.filter((r) => names.has(r.licenceId)),
            (id) => names.get(id) ?? id,
            ww(lang, 'companyVerifications'),
          ),
          `/account/companies/${uscc}/verifications`,
        );
      }),
    )
    .on(
      'GET',
      '/account/licences/{licenceId}',
      signedIn(async (event, session, lang, account) => {
        const { licence, company } = await ownLicence(account, event.pathParameters?.licenceId ?? '');
        return showLicence(event, session, lang, licence, 200, {
          withdrawn: event.queryStringParameters?.withdrawn === '1',
          company,
        });
      }),
    )
    .on(
      'GET',
      '/account/licences/{licenceId}/download',
      signedIn(async (event, _session, _lang, account) => {
        const { licence } = await ownLicence(account, event.pathParameters?.licenceId ?? '');
        return {
          statusCode: 200,
          headers: {
            'content-type': 'application/dc+sd-jwt',
            'content-disposition': `attachment; filename="${licence.typeId}-${licence.licenceId}.sd-jwt"`,
            'cache-control': 'no-store',
          },
          body: licence.sdJwt,
        };
      }),
    )
    .on(
      'POST',
      '/account/licences/{licenceId}/shares',
      signedIn(async (event, session, lang, account) => {
        const form = readForm(event, session);
        const { licence, company } = await ownLicence(account, event.pathParameters?.licenceId ?? '');
        const input: ShareInput = {
          fields: form.getAll('fields').slice(0, 40),
          purpose: (form.get('purpose') ?? '').slice(0, 1000),
          hours: Number(form.get('hours') ?? 24),
        };
        // Errors go back on the form itself, with what was typed and ticked kept.
        const errors = shareErrors(input, licenceClaims(licence.sdJwt).disclosable);
        const parsed = ShareRequest.safeParse({
          fields: input.fields,
          purpose: input.purpose,
          expiresInMinutes: input.hours * 60,
        });
        if (errors.length || !parsed.success)
          return showLicence(event, session, lang, licence, 400, { input, errors, company });
        const share = await service.share(licence, parsed.data);
        await audit(event, session, 'licence.shared', licence, {
          fields: share.fields,
          purpose: share.purpose,
        });
        const url = `${licenceIssuer}/licences/shared/${share.shareId}`;
        // Loaded on first use (a chunk of its own): most pages never draw a QR code.
        const { default: QRCode } = await import('qrcode');
        const qr = await QRCode.toDataURL(url, { margin: 1, width: 240 });
        return show(
          event,
          lang,
          201,
          shareReadyView(lang, session, { licence, share, url, qr }),
          `/account/licences/${encodeURIComponent(licence.licenceId)}`,
        );
      }),
    )
    .on(
      'POST',
      '/account/shares/{shareId}/withdraw',
      signedIn(async (event, session, _lang, account) => {
        readForm(event, session);
        const shareId = event.pathParameters?.shareId ?? '';
        const share = await service.activeShare(shareId);
        // The share's licence must be one the person may hold now, and the share its holder's.
        const licence = share && (await service.get(share.licenceId));
        const held = licence && share.holder === licence.holder && (await holding(account, licence));
        if (!share || !held || !(await service.withdrawShare(share.holder, shareId)))
          throw new NotFoundError('there is no such share to withdraw');
        await runtime.audit.append({
          type: 'licence.share_withdrawn',
          outcome: 'success',
          zone: config.zone,
          actor: session.sub,
          ...(holderKind(share.holder) === 'company' ? { onBehalfOf: share.holder } : {}),
          subject: session.sub,
          resource: `share:${shareId}`.slice(0, 256),
          sourceIp: event.requestContext?.identity?.sourceIp,
          correlationId: event.requestContext?.requestId,
          // Which licence it shared, so the activity page can name it.
          details: { licence: share.licenceId },
        });
        // Back to the licence, which says the link was withdrawn (post, redirect, get).
        return portal.redirect(
          `${basePath}/account/licences/${encodeURIComponent(share.licenceId)}?withdrawn=1`,
        );
      }),
    )
    .on('GET', '/account/services', signedIn(connections.services))
    .on('POST', '/account/services/{clientId}/withdraw', signedIn(connections.withdraw))
    .on('GET', '/account/sessions', signedIn(connections.sessions))
    .on('POST', '/account/sessions/end-all', signedIn(connections.endAll))
    .on('POST', '/account/sessions/{uid}/end', signedIn(connections.endOne))
    .on('GET', '/account/signed-out', open(connections.signedOut))
    .on('GET', '/account/security', signedIn(security('page')))
    .on('GET', '/account/security/confirm', signedIn(security('confirm')))
    .on('POST', '/account/security/passkeys', signedIn(security('add')))
    .on('POST', '/account/security/passkeys/rename', signedIn(security('rename')))
    .on('POST', '/account/security/passkeys/remove', signedIn(security('remove')))
    .on('GET', '/account/security/totp', signedIn(security('totpStart')))
    .on('POST', '/account/security/totp', signedIn(security('totpConfirm')))
    .on('POST', '/account/security/recovery-codes', signedIn(security('regenerate')))
    .on('GET', '/account/data', signedIn(dataPage('page')))
    .on('POST', '/account/data/download', signedIn(dataPage('download')))
    .on('POST', '/account/data/close', signedIn(dataPage('close')))
    .on('POST', '/account/data/cancel', signedIn(dataPage('cancel')))
    .on('GET', '/account/companies', signedIn(companyRoutes.list))
    .on('POST', '/account/companies', signedIn(companyRoutes.register))
    .on('GET', '/account/companies/{uscc}', signedIn(companyRoutes.company))
    .on('POST', '/account/companies/{uscc}/agents', signedIn(companyRoutes.grant))
    .on('POST', '/account/companies/{uscc}/agents/{accountId}/revoke', signedIn(companyRoutes.revoke))
    .on('GET', '/account/contact', signedIn(contact('view')))
    .on('POST', '/account/contact/email', signedIn(contact('sendEmailCode')))
    .on('POST', '/account/contact/email/confirm', signedIn(contact('confirmEmail')))
    .on('POST', '/account/contact/phone', signedIn(contact('sendPhoneCode')))
    .on('POST', '/account/contact/phone/confirm', signedIn(contact('confirmPhone')))
    .on('POST', '/account/contact/phone/remove', signedIn(contact('removePhone')))
    .on('GET', '/account/identity', signedIn(identityRoutes.page))
    .on('POST', '/account/identity', signedIn(identityRoutes.start))
    .on('GET', '/account/identity/code', signedIn(identityRoutes.code))
    .on('POST', '/account/identity/code', signedIn(identityRoutes.confirm))
    .on('POST', '/account/identity/code/resend', signedIn(identityRoutes.resend))
    .on(
      'GET',
      '/account/verifications',
      signedIn(async (event, session, lang, account) => {
        const personRef = personRefOf(account);
        const [receipts, licences, types] = await Promise.all([
          personRef ? service.receiptsOf(personRef) : [],
          personRef ? service.licencesOf(personRef) : [],
          typesByVct(),
        ]);
        const names = new Map(licences.map((l) => [l.licenceId, types.get(l.vct)?.name[lang] ?? l.vct]));
        return show(
          event,
          lang,
          200,
          verificationsView(lang, session, receipts, (id) => names.get(id) ?? id),
          '/account/verifications',
        );
      }),
    )
    .on(
      'GET',
      '/account/activity',
      signedIn(async (event, session, lang, account) => {
        // The person's own events, newest first, from the audit trail's subject index: those
        // of the account, and those of their licences (whose subject is the proved identity).
        const personRef = personRefOf(account);
        const pages = await Promise.all(
          [session.sub, ...(personRef ? [personRef] : [])].map((subject) =>
            activity.search({ subject }, { limit: 200 }),
          ),
        );
        const page = {
          events: pages
            .flatMap((p) => p.events)
            .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
            .slice(0, 200),
        };
        const events = page.events.filter((e) => eventTypeEntry(e.type)?.citizen);
        const clientIds = [...new Set(events.map((e) => e.client).filter((c): c is string => Boolean(c)))];
        const names = new Map<string, string>(
          await Promise.all(
            clientIds.map(async (id) => {
              const client = await getClient(doc, config.tables.identity, id);
              return [id, typeof client?.client_name === 'string' ? client.client_name : id] as const;
            }),
          ),
        );
        // Services signed in to, newest first: at the sign-in page or by single sign-on.
        const sites = new Map<string, string>();
        for (const e of page.events) {
          const client = signedInTo(e);
          if (client && !sites.has(client)) sites.set(client, e.time);
        }
        for (const id of sites.keys()) {
          if (!names.has(id)) {
            const client = await getClient(doc, config.tables.identity, id);
            names.set(id, typeof client?.client_name === 'string' ? client.client_name : id);
          }
        }
        const [licences, types] = await Promise.all([
          personRef ? service.licencesOf(personRef) : [],
          typesByVct(),
        ]);
        const licenceNames = new Map(
          licences.map((l) => [l.licenceId, types.get(l.vct)?.name[lang] ?? l.vct]),
        );
        const about = (e: ChainedEvent): string | undefined => {
          if (e.client) return names.get(e.client) ?? e.client;
          const shared = (e.details as { licence?: unknown } | undefined)?.licence;
          const licenceId =
            typeof shared === 'string' ? shared : e.type.startsWith('licence.') ? e.resource : undefined;
          return licenceId ? licenceNames.get(licenceId) : undefined;
        };
        return show(
          event,
          lang,
          200,
          activityView(lang, session, { events, sites, names, about }),
          '/account/activity',
        );
      }),
    );

  const route = async (event: APIGatewayProxyEvent, lang: Lang): Promise<APIGatewayProxyResult> => {
    const found = router.matchEvent(event);
    if (!isRouteFound(found))
      throw new NotFoundError(`${event.httpMethod} ${event.path} is not part of the account portal`);
    const routed = routedEvent(event, found);
    const target = found.handler;
    if ('step' in target) return target.step(routed, lang);
    const live = await portal.liveSessionOf(routed, accounts);
    if (!live) {
      if (routed.httpMethod !== 'GET') throw new ForbiddenError('your session has ended; sign in again');
      return portal.signInFirst(routed);
    }
    return target.page(routed, live.session, lang, live.account);
  };

  /** A page a browser reaches answers in HTML, in the person's language, never as a JSON problem. */
  const handle = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const lang = langOfEvent(event);
    try {
      return await route(event, lang);
    } catch (err: unknown) {
      if (!(err instanceof DomainError) || (err.status !== 404 && err.status !== 403)) throw err;
      const path = event.path.replace(basePath, '') || '/account';
      const known = isRouteFound(router.matchEvent(event));
      return err.status === 404
        ? show(
            event,
            lang,
            404,
            notFoundView(
              lang,
              known
                ? path.startsWith('/account/companies/')
                  ? ww(lang, 'notFoundCompany')
                  : path.startsWith('/account/security')
                    ? ww(lang, 'sec_noPasskey')
                    : t(lang, 'notFoundLicence')
                : undefined,
            ),
            path,
          )
        : show(event, lang, 403, sessionEndedView(lang), path);
    }
  };

  const http = httpFunction(config.zone, handle, { errorPage: errorPages(basePath) });
  // The schedule (EventBridge on AWS, a timer locally) deletes accounts whose cooling-off ended.
  return async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    if (isScheduledEvent(event)) {
      const deleted = await (await data()).closing.sweep();
      return { statusCode: 200, body: JSON.stringify({ deleted }) };
    }
    return http(event, context);
  };
};

/** An EventBridge schedule's event (or the local twin's timer), not a request. */
const isScheduledEvent = (event: unknown): boolean =>
  typeof event === 'object' &&
  event !== null &&
  (event as { 'detail-type'?: unknown })['detail-type'] === 'Scheduled Event' &&
  !('httpMethod' in event);

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import QRCode from 'qrcode';
import { AuditQuery, eventTypeEntry } from '../../libs/audit/index.ts';
import {
  ForbiddenError,
  httpFunction,
  isRouteFound,
  NotFoundError,
  Router,
  routedEvent,
  ValidationError,
} from '../../libs/http/index.ts';
import { type Licence, LicenceService, licenceClaims, ShareRequest } from '../../libs/licences/index.ts';
import { ACCOUNT_PORTAL, getClient } from '../../libs/oidc/index.ts';
import { FirstPartyPortal, type PortalSession } from '../../libs/portal/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';
import { type Lang, langOfEvent, pageResponse } from '../../libs/web/index.ts';
import {
  activityView,
  licenceView,
  shareReadyView,
  type View,
  verificationsView,
  walletView,
} from './views.ts';

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
    holders: async (name) => (await accounts.findByLoginName(name))?.id,
  });
  const portal = new FirstPartyPortal(runtime, {
    spec: ACCOUNT_PORTAL,
    home: '/account/licences',
    cookie: 'yitong_account',
  });
  const { basePath } = portal;
  const activity = new AuditQuery(doc, config.tables.audit);
  const readForm = (event: APIGatewayProxyEvent, session: Session) => portal.readForm(event, session);

  const show = (event: APIGatewayProxyEvent, lang: Lang, status: number, view: View, path: string) =>
    pageResponse({ event, status, lang, title: view.title, body: view.body, basePath, path });

  const ownLicence = async (session: Session, licenceId: string): Promise<Licence> => {
    const licence = await service.get(licenceId);
    // Someone else's licence is as absent as a missing one.
    if (!licence || licence.holder !== session.sub)
      throw new NotFoundError('there is no such licence in your wallet');
    return licence;
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
      subject: session.sub,
      department: licence.department,
      resource: licence.licenceId,
      sourceIp: event.requestContext?.identity?.sourceIp,
      correlationId: event.requestContext?.requestId,
      details,
    });

  /** A page of a signed-in person. */
  type Page = (event: APIGatewayProxyEvent, session: Session, lang: Lang) => Promise<APIGatewayProxyResult>;
  /** A step of signing in or out, open to anyone. */
  type Step = (event: APIGatewayProxyEvent, lang: Lang) => Promise<APIGatewayProxyResult>;
  type Route = { readonly page: Page } | { readonly step: Step };
  const signedIn = (page: Page): Route => ({ page });
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
      signedIn(async (event, session, lang) => {
        const [licences, types] = await Promise.all([service.licencesOf(session.sub), typesByVct()]);
        return show(event, lang, 200, walletView(lang, session, licences, types), '/account/licences');
      }),
    )
    .on(
      'GET',
      '/account/licences/{licenceId}',
      signedIn(async (event, session, lang) => {
        const licence = await ownLicence(session, event.pathParameters?.licenceId ?? '');
        const type = (await typesByVct()).get(licence.vct);
        const { claims, disclosable: fields } = licenceClaims(licence.sdJwt);
        const shares = await service.sharesOf(session.sub, licence.licenceId);
        const now = Math.floor(Date.now() / 1000);
        return show(
          event,
          lang,
          200,
          licenceView(lang, session, { licence, type, claims, fields, shares, now }),
          `/account/licences/${encodeURIComponent(licence.licenceId)}`,
        );
      }),
    )
    .on(
      'GET',
      '/account/licences/{licenceId}/download',
      signedIn(async (event, session) => {
        const licence = await ownLicence(session, event.pathParameters?.licenceId ?? '');
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
      signedIn(async (event, session, lang) => {
        const form = readForm(event, session);
        const licence = await ownLicence(session, event.pathParameters?.licenceId ?? '');
        const parsed = ShareRequest.safeParse({
          fields: form.getAll('fields'),
          purpose: form.get('purpose') ?? '',
          expiresInMinutes: Number(form.get('hours') ?? 24) * 60,
        });
        if (!parsed.success)
          throw new ValidationError(
            parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          );
        if (parsed.data.fields.length === 0) throw new ValidationError('choose at least one detail to share');
        const share = await service.share(licence, parsed.data);
        await audit(event, session, 'licence.shared', licence, {
          fields: share.fields,
          purpose: share.purpose,
        });
        const url = `${licenceIssuer}/licences/shared/${share.shareId}`;
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
      signedIn(async (event, session) => {
        readForm(event, session);
        const shareId = event.pathParameters?.shareId ?? '';
        if (!(await service.withdrawShare(session.sub, shareId)))
          throw new NotFoundError('there is no such share to withdraw');
        await runtime.audit.append({
          type: 'licence.share_withdrawn',
          outcome: 'success',
          zone: config.zone,
          actor: session.sub,
          subject: session.sub,
          resource: `share:${shareId}`.slice(0, 256),
          sourceIp: event.requestContext?.identity?.sourceIp,
          correlationId: event.requestContext?.requestId,
        });
        return portal.redirect(`${basePath}/account/licences`);
      }),
    )
    .on(
      'GET',
      '/account/verifications',
      signedIn(async (event, session, lang) => {
        const [receipts, licences, types] = await Promise.all([
          service.receiptsOf(session.sub),
          service.licencesOf(session.sub),
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
      signedIn(async (event, session, lang) => {
        // The person's own events, newest first, from the audit trail's subject index.
        const page = await activity.search({ subject: session.sub }, { limit: 200 });
        const events = page.events.filter((e) => eventTypeEntry(e.type)?.citizen);
        const clientIds = [...new Set(events.map((e) => e.client).filter((c): c is string => Boolean(c)))];
        const names = new Map(
          await Promise.all(
            clientIds.map(async (id) => {
              const client = await getClient(doc, config.tables.identity, id);
              return [id, typeof client?.client_name === 'string' ? client.client_name : id] as const;
            }),
          ),
        );
        const sites = new Map<string, string>();
        for (const e of events) {
          if (e.client && e.type === 'login.success' && !sites.has(e.client)) sites.set(e.client, e.time);
        }
        return show(
          event,
          lang,
          200,
          activityView(lang, session, { events, sites, names }),
          '/account/activity',
        );
      }),
    );

  const handle = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const lang = langOfEvent(event);
    const found = router.matchEvent(event);
    if (!isRouteFound(found))
      throw new NotFoundError(`${event.httpMethod} ${event.path} is not part of the account portal`);
    const routed = routedEvent(event, found);
    const route = found.handler;
    if ('step' in route) return route.step(routed, lang);
    const session = (await portal.liveSessionOf(routed, accounts))?.session;
    if (!session) {
      if (routed.httpMethod !== 'GET') throw new ForbiddenError('your session has ended; sign in again');
      return portal.signInFirst(routed);
    }
    return route.page(routed, session, lang);
  };

  return httpFunction(config.zone, handle);
};

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type AccountStore, ialOf } from '../accounts/index.ts';
import { NotFoundError } from '../errors/index.ts';
import { type AccessControl, decidePortalAccess, type RouteArea } from '../policy/index.ts';
import { type Lang, langOfEvent } from '../web/index.ts';
import type { FirstPartyPortal, PortalSession } from './portal.ts';
import { refusalPage } from './refusal.ts';

/** A signed-in, allowed request to a console page. */
export interface PortalPage {
  readonly event: APIGatewayProxyEvent;
  readonly lang: Lang;
  readonly session: PortalSession;
  /** Who acts, and from where: the audit fields of anything the page changes. */
  readonly who: { readonly actor?: string; readonly sourceIp?: string; readonly correlationId?: string };
}

/**
 * The gate in front of every page of an intranet console (security, admin): a visitor without
 * a session is sent to sign in (a form post without one goes back to the console); then the
 * `callApi` policies decide on the page's route with the session's level — audited like the
 * API — and a refusal is one plain page for every console (`refusalPage`).
 */
export const portalPageGuard =
  (deps: {
    readonly portal: FirstPartyPortal;
    readonly access: AccessControl;
    readonly accounts: AccountStore;
    readonly area: RouteArea;
    readonly home: string;
  }) =>
  (render: (page: PortalPage) => Promise<APIGatewayProxyResult>) =>
  async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    // Outside its zone (the admin API is also reachable, read-only, from the public entry) a
    // console has no pages: sending the person to sign in there could only end in an error.
    if (!deps.portal.servesThisZone)
      throw new NotFoundError('the consoles are on the government intranet only');
    const lang = langOfEvent(event);
    const live = await deps.portal.liveSessionOf(event, deps.accounts);
    if (!live)
      return event.httpMethod === 'GET'
        ? deps.portal.signInFirst(event)
        : deps.portal.redirect(`${deps.portal.basePath}${deps.home}`);
    const { session, account } = live;
    const origin = {
      sourceIp: event.requestContext?.identity?.sourceIp,
      userAgent: event.headers?.['user-agent']?.slice(0, 512),
      correlationId: event.requestContext?.requestId,
    };
    const decision = await decidePortalAccess(
      deps.access,
      account && { ...account, ial: ialOf(account) },
      session,
      { id: `${event.httpMethod} ${event.resource}`, area: deps.area, zones: ['intranet'], minLoa: 2 },
      origin,
    );
    if (!decision.allowed)
      return refusalPage({ portal: deps.portal, event, lang, area: deps.area, session, account });
    return render({
      event,
      lang,
      session,
      who: { actor: account?.id, sourceIp: origin.sourceIp, correlationId: origin.correlationId },
    });
  };

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Account, Role } from '../accounts/index.ts';
import type { RouteArea } from '../policy/index.ts';
import { html, type Lang, type MessageKey, pageResponse, t } from '../web/index.ts';
import type { FirstPartyPortal, PortalSession } from './portal.ts';

/** What each console asks of a person, in words: its name, the role it needs, whom to ask. */
const CONSOLES: Partial<
  Record<
    RouteArea,
    { readonly title: MessageKey; readonly role: Role; readonly why: MessageKey; readonly ask: MessageKey }
  >
> = {
  audit: {
    title: 'audit_refused',
    role: 'auditor',
    why: 'portal_refusedWhyAudit',
    ask: 'portal_refusedAskAudit',
  },
  'identity-counter': {
    title: 'counter_title',
    role: 'identity-officer',
    why: 'portal_refusedWhyCounter',
    ask: 'portal_refusedAskCounter',
  },
  'help-desk': {
    title: 'support_title',
    role: 'support',
    why: 'portal_refusedWhySupport',
    ask: 'portal_refusedAskSupport',
  },
  admin: {
    title: 'admin_refused',
    role: 'admin',
    why: 'portal_refusedWhyAdmin',
    ask: 'portal_refusedAskAdmin',
  },
};

/**
 * The page a signed-in person gets when the policies refuse them a console page: what the
 * console is for, what they can do next (whom to ask, sign out to switch account) and a
 * reference the help desk can find (the request id, which the `policy.denied` event carries as
 * its `correlationId`). Never the policies, their ids or the principal: those are in the trail
 * for auditors, and mean nothing to the person refused. No console navigation either.
 */
export const refusalPage = (o: {
  readonly portal: FirstPartyPortal;
  readonly event: APIGatewayProxyEvent;
  readonly lang: Lang;
  readonly area: RouteArea;
  readonly session: PortalSession;
  readonly account: Account | undefined;
}): APIGatewayProxyResult => {
  const { lang, portal } = o;
  const words = CONSOLES[o.area] ?? CONSOLES.audit!;
  const lacksRole = !o.account?.roles.includes(words.role);
  const reference = o.event.requestContext?.requestId ?? '';
  const title = t(lang, words.title);
  const path = o.event.path.startsWith(portal.basePath)
    ? o.event.path.slice(portal.basePath.length)
    : o.event.path;
  return pageResponse({
    event: o.event,
    status: 403,
    lang,
    title,
    basePath: portal.basePath,
    path,
    body: html`<h1>${title}</h1>
<p id="refusal">${t(lang, lacksRole ? words.why : 'portal_refusedWhyOther')}</p>
<h2>${t(lang, 'portal_refusedNext')}</h2>
<ul id="next-steps"><li>${t(lang, words.ask)}</li><li>${t(lang, 'portal_refusedWrongAccount')}</li></ul>
<form method="post" action="${portal.logoutPath.replace(/^\//, '')}"><input type="hidden" name="csrf" value="${o.session.csrf}"><button type="submit" class="secondary">${t(lang, 'portal_signOut')}</button></form>
${reference ? html`<p id="reference">${t(lang, 'portal_refusedReference')} <code>${reference}</code></p>` : ''}`,
  });
};

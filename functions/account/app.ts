import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import QRCode from 'qrcode';
import { AccountStore } from '../../libs/accounts/store.ts';
import { AuditQuery, eventTypeEntry } from '../../libs/audit/index.ts';
import {
  ForbiddenError,
  NotFoundError,
  problemErrors,
  securityHeaders,
  ValidationError,
  zoneContext,
} from '../../libs/http/index.ts';
import { type Licence, LicenceService, licenceClaims, ShareRequest } from '../../libs/licences/index.ts';
import { claimLabel, formatDate, formatTime, receiptsTable, w } from '../../libs/licences/pages.ts';
import {
  FirstPartyPortal,
  type Html,
  html,
  type Lang,
  langOfEvent,
  type PortalSession,
  pageResponse,
} from '../../libs/login/index.ts';
import { logger } from '../../libs/observability/index.ts';
import { ACCOUNT_PORTAL } from '../../libs/oidc/first-party.ts';
import { getClient } from '../../libs/oidc/registry.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

/** The account portal's own client of the public issuer (first party). */
export const ACCOUNT_CLIENT_ID = ACCOUNT_PORTAL.clientId;
type Session = PortalSession;

/**
 * The citizen's account portal (public zone): sign in through the public issuer, then the
 * licence wallet — list, view, download, share chosen fields for a stated purpose as a link
 * and QR code that expire, withdraw a share — and who checked my licences.
 */
export const makeHandler = async (runtime: Runtime) => {
  const { config, doc } = runtime;
  const licenceIssuer = config.licenceIssuer ?? config.issuer;
  const accounts = new AccountStore(doc, config.tables.identity);
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

  const show = (
    event: APIGatewayProxyEvent,
    lang: Lang,
    status: number,
    title: string,
    body: Html,
    path: string,
  ) => pageResponse({ event, status, lang, title, body, basePath, path });

  const nav = (lang: Lang, session: Session) =>
    html`<p><a href="account/licences">${w(lang, 'walletTitle')}</a> · <a href="account/verifications">${w(lang, 'verifications')}</a> · <a href="account/activity">${w(lang, 'activity')}</a></p>
<form method="post" action="account/logout"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="link-button">${w(lang, 'signOut')}</button></form>`;

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

  type Route = (event: APIGatewayProxyEvent, session: Session, lang: Lang) => Promise<APIGatewayProxyResult>;

  const routes: Record<string, Route> = {
    'GET /account/licences': async (event, session, lang) => {
      const [licences, types] = await Promise.all([service.licencesOf(session.sub), typesByVct()]);
      const rows = licences.map((l) => {
        const type = types.get(l.vct);
        return html`<tr><td>${type?.name[lang] ?? l.vct}</td><td><code>${l.licenceId}</code></td><td>${formatDate(lang, l.exp)}</td><td>${w(lang, l.status)}</td><td><a href="account/licences/${encodeURIComponent(l.licenceId)}">${w(lang, 'view')}</a></td></tr>`;
      });
      return show(
        event,
        lang,
        200,
        w(lang, 'walletTitle'),
        html`<h1>${w(lang, 'walletTitle')}</h1><p class="lead">${w(lang, 'walletLead')}</p>${nav(lang, session)}${
          licences.length
            ? html`<table id="licences"><thead><tr><th>${w(lang, 'type')}</th><th>${w(lang, 'number')}</th><th>${w(lang, 'validUntil')}</th><th>${w(lang, 'status')}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
            : html`<p>${w(lang, 'noLicences')}</p>`
        }`,
        '/account/licences',
      );
    },
    'GET /account/licences/{licenceId}': async (event, session, lang) => {
      const licence = await ownLicence(session, event.pathParameters?.licenceId ?? '');
      const type = (await typesByVct()).get(licence.vct);
      const { claims, disclosable: fields } = licenceClaims(licence.sdJwt);
      const shares = await service.sharesOf(session.sub, licence.licenceId);
      const now = Math.floor(Date.now() / 1000);
      const id = encodeURIComponent(licence.licenceId);
      return show(
        event,
        lang,
        200,
        type?.name[lang] ?? licence.vct,
        html`<h1>${type?.name[lang] ?? licence.vct}</h1>${nav(lang, session)}
<dl id="licence">
<dt>${w(lang, 'number')}</dt><dd><code>${licence.licenceId}</code></dd>
<dt>${w(lang, 'status')}</dt><dd>${w(lang, licence.status)}</dd>
<dt>${w(lang, 'validFrom')}</dt><dd>${formatDate(lang, licence.nbf)}</dd>
<dt>${w(lang, 'validUntil')}</dt><dd>${formatDate(lang, licence.exp)}</dd>
${Object.keys(claims)
  .filter((n) => type?.claims.some((f) => f.name === n) || n.startsWith('age_over_'))
  .map((n) => html`<dt>${claimLabel(lang, type, n)}</dt><dd>${String(claims[n])}</dd>`)}
</dl>
<p><a class="button secondary" href="account/licences/${id}/download">${w(lang, 'download')}</a></p>
<h2>${w(lang, 'share')}</h2>
<p>${w(lang, 'shareLead')}</p>
<form method="post" action="account/licences/${id}/shares" novalidate>
<input type="hidden" name="csrf" value="${session.csrf}">
<fieldset><legend>${w(lang, 'fields')}</legend>
${fields.map((name) => html`<div><input type="checkbox" id="field-${name}" name="fields" value="${name}"> <label for="field-${name}" style="display:inline">${claimLabel(lang, type, name)}</label></div>`)}
</fieldset>
<div class="field"><label for="purpose">${w(lang, 'purpose')}</label><p class="hint">${w(lang, 'purposeHint')}</p><input type="text" id="purpose" name="purpose" maxlength="200" required></div>
<div class="field"><label for="hours">${w(lang, 'validFor')}</label><select id="hours" name="hours">${[
          1, 24, 168,
        ].map(
          (h) =>
            html`<option value="${h}"${h === 24 ? ' selected' : ''}>${h < 48 ? w(lang, 'hours', { n: h }) : w(lang, 'days', { n: h / 24 })}</option>`,
        )}</select></div>
<button type="submit">${w(lang, 'createLink')}</button>
</form>
<h2>${w(lang, 'shares')}</h2>
${
  shares.length
    ? html`<table id="shares"><thead><tr><th>${w(lang, 'forWhat')}</th><th>${w(lang, 'fields')}</th><th>${w(lang, 'expiresAt')}</th><th></th></tr></thead><tbody>${shares.map(
        (s) =>
          html`<tr><td>${s.purpose}</td><td>${s.fields.map((f) => claimLabel(lang, type, f)).join(', ')}</td><td>${formatTime(lang, s.linkExpiresAt)}</td><td>${
            s.withdrawnAt
              ? w(lang, 'withdrawn')
              : s.linkExpiresAt <= now
                ? w(lang, 'expiredShort')
                : html`<form method="post" action="account/shares/${s.shareId}/withdraw"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="secondary">${w(lang, 'withdraw')}</button></form>`
          }</td></tr>`,
      )}</tbody></table>`
    : html`<p>${w(lang, 'none')}</p>`
}`,
        `/account/licences/${id}`,
      );
    },
    'GET /account/licences/{licenceId}/download': async (event, session) => {
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
    },
    'POST /account/licences/{licenceId}/shares': async (event, session, lang) => {
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
        w(lang, 'linkReady'),
        html`<h1>${w(lang, 'linkReady')}</h1>${nav(lang, session)}
<p class="lead">${w(lang, 'linkReadyLead', { time: formatTime(lang, share.linkExpiresAt) })}</p>
<p><a id="share-link" href="${url}">${url}</a></p>
<p><img id="share-qr" src="${qr}" alt="QR code: ${url}" width="240" height="240"></p>
<p><a href="account/licences/${encodeURIComponent(licence.licenceId)}">${w(lang, 'back')}</a></p>`,
        `/account/licences/${encodeURIComponent(licence.licenceId)}`,
      );
    },
    'POST /account/shares/{shareId}/withdraw': async (event, session) => {
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
    },
    'GET /account/verifications': async (event, session, lang) => {
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
        w(lang, 'verifications'),
        html`<h1>${w(lang, 'verifications')}</h1><p class="lead">${w(lang, 'verificationsLead')}</p>${nav(lang, session)}${receiptsTable(lang, receipts, (id) => names.get(id) ?? id)}`,
        '/account/verifications',
      );
    },
    'GET /account/activity': async (event, session, lang) => {
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
      const describe = (type: string) => {
        const entry = eventTypeEntry(type);
        return entry ? (lang === 'en' ? entry.en : entry.zh) : type;
      };
      return show(
        event,
        lang,
        200,
        w(lang, 'activity'),
        html`<h1>${w(lang, 'activity')}</h1><p class="lead">${w(lang, 'activityLead')}</p>${nav(lang, session)}
<h2>${w(lang, 'sitesUsed')}</h2>${
          sites.size
            ? html`<table id="sites"><thead><tr><th>${w(lang, 'service')}</th><th>${w(lang, 'lastUsed')}</th></tr></thead><tbody>${[
                ...sites,
              ].map(
                ([id, time]) =>
                  html`<tr><td>${names.get(id) ?? id}</td><td>${formatTime(lang, Date.parse(time) / 1000)}</td></tr>`,
              )}</tbody></table>`
            : html`<p>${w(lang, 'noActivity')}</p>`
        }
<h2>${w(lang, 'what')}</h2>${
          events.length
            ? html`<table id="activity"><thead><tr><th>${w(lang, 'when')}</th><th>${w(lang, 'what')}</th><th>${w(lang, 'service')}</th><th>${w(lang, 'where')}</th><th>${w(lang, 'fromAddress')}</th></tr></thead><tbody>${events.map(
                (e) =>
                  html`<tr data-type="${e.type}"><td>${formatTime(lang, Date.parse(e.time) / 1000)}</td><td>${describe(e.type)}</td><td>${e.client ? (names.get(e.client) ?? e.client) : (e.resource ?? '')}</td><td>${e.zone}</td><td>${e.sourceIp ?? ''}</td></tr>`,
              )}</tbody></table>`
            : html`<p>${w(lang, 'noActivity')}</p>`
        }`,
        '/account/activity',
      );
    },
  };

  const handle = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const lang = langOfEvent(event);
    const key = `${event.httpMethod} ${event.resource}`;
    if (key === 'GET /account' || key === 'GET /account/')
      return portal.redirect(`${basePath}/account/licences`);
    if (key === 'GET /account/login') return portal.login(event, lang);
    if (key === 'GET /account/callback') return portal.callback(event);
    if (key === 'POST /account/logout') return portal.logout(event);
    const route = routes[key];
    if (!route)
      throw new NotFoundError(`${event.httpMethod} ${event.path} is not part of the account portal`);
    const session = (await portal.liveSessionOf(event, accounts))?.session;
    if (!session) {
      if (event.httpMethod !== 'GET') throw new ForbiddenError('your session has ended; sign in again');
      return portal.signInFirst(event);
    }
    return route(event, session, lang);
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(zoneContext(config.zone))
    .use(problemErrors())
    .use(securityHeaders())
    .handler(handle);
};

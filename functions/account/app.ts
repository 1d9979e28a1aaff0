import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as oidc from 'openid-client';
import QRCode from 'qrcode';
import { z } from 'zod';
import { AccountStore } from '../../libs/accounts/store.ts';
import {
  DomainError,
  ForbiddenError,
  NotFoundError,
  problemErrors,
  securityHeaders,
  ValidationError,
  zoneContext,
} from '../../libs/http/index.ts';
import { type Licence, LicenceService, licenceClaims, ShareRequest } from '../../libs/licences/index.ts';
import { claimLabel, formatDate, formatTime, receiptsTable, w } from '../../libs/licences/pages.ts';
import { cookiesOf, type Html, html, type Lang, langOfEvent, pageResponse } from '../../libs/login/index.ts';
import { logger } from '../../libs/observability/index.ts';
import { getClient, OidcRegistry, putClient } from '../../libs/oidc/registry.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

/** The account portal's own client of the public issuer (first party). */
export const ACCOUNT_CLIENT_ID = 'yitong-account';
const SESSION_COOKIE = 'yitong_account';
const LOGIN_COOKIE = 'yitong_account_login';
const SESSION_SECONDS = 3600;
const MAX_FORM_BYTES = 8 * 1024;

const Session = z.object({
  sub: z.string(),
  exp: z.number(),
  csrf: z.string(),
  idToken: z.string().optional(),
});
type Session = z.infer<typeof Session>;
const LoginState = z.object({
  state: z.string(),
  verifier: z.string(),
  nonce: z.string(),
  returnTo: z.string(),
});

class PageProblem extends DomainError {
  readonly code = 'PAGE';
  readonly title = 'Page';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The citizen's account portal (public zone): sign in through the public issuer, then the
 * licence wallet — list, view, download, share chosen fields for a stated purpose as a link
 * and QR code that expire, withdraw a share — and who checked my licences.
 */
export const makeHandler = async (runtime: Runtime) => {
  const { config, doc } = runtime;
  const issuer = config.issuer;
  const licenceIssuer = config.licenceIssuer ?? issuer;
  const basePath = new URL(issuer).pathname.replace(/\/$/, '');
  const secure = new URL(issuer).protocol === 'https:';
  const accounts = new AccountStore(doc, config.tables.identity);
  const service = new LicenceService({
    doc,
    table: config.tables.licences,
    issuer: licenceIssuer,
    keyring: runtime.keyring,
    holders: async (name) => (await accounts.findByLoginName(name))?.id,
  });
  const registry = new OidcRegistry(doc, config.tables.identity);
  const clientSecret = await registry.stableSecret('account-client-secret');
  const redirectUri = `${issuer}/account/callback`;
  // Registered on first start (and kept in step with the issuer's URL).
  const existing = await getClient(doc, config.tables.identity, ACCOUNT_CLIENT_ID);
  if (!existing || (existing.redirect_uris as string[] | undefined)?.[0] !== redirectUri) {
    await putClient(doc, config.tables.identity, {
      client_id: ACCOUNT_CLIENT_ID,
      client_secret: clientSecret,
      client_name: 'yitong account 一通账户',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [`${issuer}/account`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      subject_type: 'public',
      yitong_zone: config.zone,
      yitong_department: 'yitong',
    });
  }
  let oidcConfig: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    oidcConfig ??= oidc
      .discovery(new URL(issuer), ACCOUNT_CLIENT_ID, undefined, oidc.ClientSecretBasic(clientSecret), {
        execute: config.localMode ? [oidc.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        oidcConfig = undefined;
        throw err;
      });
    return oidcConfig;
  };

  const sign = (value: string) =>
    createHmac('sha256', runtime.cookieKeys[0]!).update(value).digest('base64url');
  const sealed = (value: unknown) => {
    const body = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${body}.${sign(body)}`;
  };
  const unseal = <T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined => {
    const [body, mac] = (raw ?? '').split('.');
    if (!body || !mac) return undefined;
    const ok = runtime.cookieKeys.some((key) => {
      const expected = Buffer.from(createHmac('sha256', key).update(body).digest('base64url'));
      const actual = Buffer.from(mac);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    });
    if (!ok) return undefined;
    try {
      const parsed = schema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString()));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
  const cookie = (name: string, value: string, maxAge: number) =>
    `${name}=${value}; Path=${basePath}/account; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const redirect = (to: string, cookies: string[] = []): APIGatewayProxyResult => ({
    statusCode: 303,
    headers: { location: to, 'cache-control': 'no-store' },
    body: '',
    ...(cookies.length ? { multiValueHeaders: { 'set-cookie': cookies } } : {}),
  });

  const sessionOf = (event: APIGatewayProxyEvent): Session | undefined => {
    const session = unseal(Session, cookiesOf(event)[SESSION_COOKIE]);
    return session && session.exp > Math.floor(Date.now() / 1000) ? session : undefined;
  };

  const readForm = (event: APIGatewayProxyEvent, session: Session): URLSearchParams => {
    const type =
      Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type))
      throw new PageProblem(415, 'send the form as application/x-www-form-urlencoded');
    const raw = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString()
      : (event.body ?? '');
    if (Buffer.byteLength(raw) > MAX_FORM_BYTES) throw new PageProblem(413, 'the form is too large');
    const form = new URLSearchParams(raw);
    const csrf = Buffer.from(form.get('csrf') ?? '');
    const expected = Buffer.from(session.csrf);
    if (csrf.length !== expected.length || !timingSafeEqual(csrf, expected))
      throw new PageProblem(403, 'the form expired; reload the page and try again');
    return form;
  };

  const show = (
    event: APIGatewayProxyEvent,
    lang: Lang,
    status: number,
    title: string,
    body: Html,
    path: string,
  ) => pageResponse({ event, status, lang, title, body, basePath, path });

  const nav = (lang: Lang, session: Session) =>
    html`<p><a href="account/licences">${w(lang, 'walletTitle')}</a> · <a href="account/verifications">${w(lang, 'verifications')}</a></p>
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
      return redirect(`${basePath}/account/licences`);
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
  };

  const handle = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const lang = langOfEvent(event);
    const key = `${event.httpMethod} ${event.resource}`;
    if (key === 'GET /account' || key === 'GET /account/') return redirect(`${basePath}/account/licences`);
    if (key === 'GET /account/login') {
      const state = oidc.randomState();
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const returnTo = /^\/account\/[\w/%.-]*$/.test(event.queryStringParameters?.returnTo ?? '')
        ? event.queryStringParameters!.returnTo!
        : '/account/licences';
      const url = oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: 'openid',
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ui_locales: lang,
      });
      return redirect(url.href, [cookie(LOGIN_COOKIE, sealed({ state, verifier, nonce, returnTo }), 600)]);
    }
    if (key === 'GET /account/callback') {
      const pending = unseal(LoginState, cookiesOf(event)[LOGIN_COOKIE]);
      if (!pending)
        throw new PageProblem(400, 'this sign-in was not started here, or has expired; start again');
      const query = new URLSearchParams(event.queryStringParameters as Record<string, string>);
      if (query.get('error')) return redirect(`${basePath}/account/login`, [cookie(LOGIN_COOKIE, '', 0)]);
      const tokens = await oidc.authorizationCodeGrant(
        await configuration(),
        new URL(`${redirectUri}?${query}`),
        {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
        },
      );
      const sub = tokens.claims()!.sub;
      const session: Session = {
        sub,
        exp: Math.floor(Date.now() / 1000) + SESSION_SECONDS,
        csrf: randomBytes(18).toString('base64url'),
        idToken: tokens.id_token,
      };
      return redirect(`${basePath}${pending.returnTo}`, [
        cookie(SESSION_COOKIE, sealed(session), SESSION_SECONDS),
        cookie(LOGIN_COOKIE, '', 0),
      ]);
    }
    const session = sessionOf(event);
    if (key === 'POST /account/logout') {
      if (session) readForm(event, session);
      const end = session?.idToken
        ? oidc.buildEndSessionUrl(await configuration(), {
            id_token_hint: session.idToken,
            post_logout_redirect_uri: `${issuer}/account`,
          }).href
        : `${basePath}/account`;
      return redirect(end, [cookie(SESSION_COOKIE, '', 0)]);
    }
    const route = routes[key];
    if (!route)
      throw new NotFoundError(`${event.httpMethod} ${event.path} is not part of the account portal`);
    if (!session) {
      if (event.httpMethod !== 'GET') throw new ForbiddenError('your session has ended; sign in again');
      return redirect(
        `${basePath}/account/login?returnTo=${encodeURIComponent(event.path.replace(basePath, ''))}`,
      );
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

/**
 * A department's website as a relying party of yitong, built only with openid-client and
 * jose: sign-in with PKCE, single logout, and back-channel logout. It is the example the
 * department guide walks through, and the local stack starts two of them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { serveLoopback } from '../../infra/local/loopback.ts';

export interface DepartmentSiteOptions {
  /** Shown on the page, e.g. "Tax Bureau 税务局". */
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly scope?: string;
  /** Asked for in acr_values, e.g. urn:yitong:loa:2. */
  readonly acrValues?: string;
}

export interface DepartmentSite {
  readonly url: string;
  /** Back-channel logouts received, newest last (the demo page and tests read them). */
  readonly logouts: Array<{ sub?: string; sid?: string; at: string }>;
  close(): Promise<void>;
}

interface SiteSession {
  sub: string;
  name?: string;
  sid?: string;
  acr?: string;
  idToken: string;
}

const escapeHtml = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const startDepartmentSite = async (options: DepartmentSiteOptions): Promise<DepartmentSite> => {
  const cookieName = `${options.clientId.replace(/[^\w]/g, '_')}_session`;
  const sessions = new Map<string, SiteSession>();
  const pending = new Map<string, { verifier: string; state: string; nonce: string }>();
  const logouts: DepartmentSite['logouts'] = [];
  let config: oidc.Configuration | undefined;
  let url = '';

  const configuration = async () => {
    config ??= await oidc.discovery(
      new URL(options.issuer),
      options.clientId,
      { redirect_uris: [`${url}/callback`], response_types: ['code'] },
      oidc.ClientSecretBasic(options.clientSecret),
      { execute: new URL(options.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [] },
    );
    return config;
  };

  const cookie = (req: IncomingMessage) =>
    Object.fromEntries(
      (req.headers.cookie ?? '').split(';').map((c) => {
        const [k, ...v] = c.trim().split('=');
        return [k, v.join('=')];
      }),
    )[cookieName];

  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string | string[]> = {},
  ) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestUrl = new URL(req.url ?? '/', url);
    const sessionId = cookie(req);
    const session = sessionId ? sessions.get(sessionId) : undefined;

    if (requestUrl.pathname === '/' && req.method === 'GET') {
      const body = session
        ? `<p id="who">Signed in as <strong>${escapeHtml(session.name ?? session.sub)}</strong></p>
<p>Subject at this department: <code id="sub">${escapeHtml(session.sub)}</code>; assurance <code id="acr">${escapeHtml(session.acr)}</code></p>
<form method="post" action="/logout"><button type="submit" id="logout">Sign out</button></form>`
        : `<p id="who">Not signed in.</p><p><a id="login" href="/login">Sign in with yitong 一通</a></p>`;
      return send(
        res,
        200,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.name)}</title></head>
<body><main><h1>${escapeHtml(options.name)}</h1>${body}</main></body></html>`,
      );
    }
    if (requestUrl.pathname === '/login' && req.method === 'GET') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      pending.set(state, { verifier, state, nonce });
      const target = oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: `${url}/callback`,
        scope: options.scope ?? 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...(options.acrValues ? { acr_values: options.acrValues } : {}),
      });
      return send(res, 303, '', { location: target.href });
    }
    if (requestUrl.pathname === '/callback' && req.method === 'GET') {
      const state = requestUrl.searchParams.get('state') ?? '';
      const started = pending.get(state);
      pending.delete(state);
      if (!started)
        return send(res, 400, '<p>This sign-in was not started here, or has already finished.</p>');
      if (requestUrl.searchParams.get('error')) {
        return send(
          res,
          403,
          `<p id="error">${escapeHtml(requestUrl.searchParams.get('error'))}: ${escapeHtml(requestUrl.searchParams.get('error_description'))}</p>`,
        );
      }
      const tokens = await oidc.authorizationCodeGrant(await configuration(), requestUrl, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
      });
      const claims = tokens.claims()!;
      const id = randomUUID();
      sessions.set(id, {
        sub: claims.sub,
        name: typeof claims.name === 'string' ? claims.name : undefined,
        sid: typeof claims.sid === 'string' ? claims.sid : undefined,
        acr: typeof claims.acr === 'string' ? claims.acr : undefined,
        idToken: tokens.id_token!,
      });
      return send(res, 303, '', {
        location: '/',
        'set-cookie': `${cookieName}=${id}; Path=/; HttpOnly; SameSite=Lax`,
      });
    }
    if (requestUrl.pathname === '/logout' && req.method === 'POST') {
      if (sessionId) sessions.delete(sessionId);
      const clear = `${cookieName}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;
      if (!session) return send(res, 303, '', { location: '/', 'set-cookie': clear });
      const target = oidc.buildEndSessionUrl(await configuration(), {
        id_token_hint: session.idToken,
        post_logout_redirect_uri: `${url}/`,
      });
      return send(res, 303, '', { location: target.href, 'set-cookie': clear });
    }
    if (requestUrl.pathname === '/backchannel-logout' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('logout_token') ?? '';
      try {
        const metadata = (await configuration()).serverMetadata();
        const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(metadata.jwks_uri!)), {
          issuer: metadata.issuer,
          audience: options.clientId,
          typ: 'logout+jwt',
          requiredClaims: ['iat', 'jti'],
        });
        const events = payload.events as Record<string, unknown> | undefined;
        if (!events?.['http://schemas.openid.net/event/backchannel-logout'] || 'nonce' in payload) {
          throw new Error('not a logout token');
        }
        for (const [id, s] of sessions) {
          if ((payload.sid && s.sid === payload.sid) || (!payload.sid && s.sub === payload.sub))
            sessions.delete(id);
        }
        logouts.push({
          sub: payload.sub,
          sid: payload.sid as string | undefined,
          at: new Date().toISOString(),
        });
        res.writeHead(200, { 'cache-control': 'no-store' });
        return res.end();
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ error: 'invalid_request', error_description: 'the logout token did not verify' }),
        );
      }
    }
    if (requestUrl.pathname === '/logouts' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(logouts));
    }
    return send(res, 404, '<p>Not found</p>');
  };

  const { port, close } = await serveLoopback((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(
          res,
          500,
          `<p>The department site failed: ${escapeHtml(err instanceof Error ? err.message : err)}</p>`,
        );
    });
  }, options.port);
  url = `http://localhost:${port}`;
  return { url, logouts, close };
};

import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditLog } from '../../libs/audit/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { audienceRefusalOf, representedIn } from '../../libs/issuer/index.ts';
import { registrationTokenIdOf } from '../../libs/oidc/index.ts';

type Ctx = KoaContextWithOIDC;
type Next = () => Promise<void>;

const ROUTES = new Set([
  'token',
  'revocation',
  'end_session_confirm',
  'registration',
  'client_update',
  'client_delete',
]);

const REGISTRATION_EVENTS: Record<string, string> = {
  registration: 'client.registered',
  client_update: 'client.updated',
  client_delete: 'client.deleted',
};

/**
 * Audits what the provider does on its own endpoints — token issuance, refresh, revocation,
 * logout — once each, after the response is decided and before it is sent.
 */
export const auditProtocolEvents = (audit: AuditLog, zone: Zone) => async (ctx: Ctx, next: Next) => {
  await next();
  const route = ctx.oidc?.route;
  // A token asked for an audience the client was not granted — at authorization, PAR, device
  // authorization or the token endpoint: one event for the refusal, whatever the endpoint.
  const refusal = audienceRefusalOf(ctx);
  if (refusal) {
    await audit.append({
      type: 'token.audience_refused',
      outcome: 'denied',
      zone,
      sourceIp: ctx.ip,
      userAgent: ctx.get('user-agent')?.slice(0, 512),
      client: refusal.client,
      resource: refusal.resource.slice(0, 256),
      reason: refusal.reason.slice(0, 1024),
      details: {
        endpoint: route ?? 'unknown',
        ...(route === 'token' ? { grantType: String(ctx.oidc.params?.grant_type ?? 'unknown') } : {}),
      },
    });
    return;
  }
  if (!route || !ROUTES.has(route)) return;
  const ok = ctx.status < 400;
  const body = (ctx.body ?? {}) as { error?: string; error_description?: string };
  const entities = ctx.oidc.entities as Record<string, { accountId?: string } | undefined>;
  const accountId = entities.Account?.accountId ?? entities.Grant?.accountId ?? entities.Session?.accountId;
  const base = {
    zone,
    sourceIp: ctx.ip,
    userAgent: ctx.get('user-agent')?.slice(0, 512),
    client: ctx.oidc.client?.clientId,
    actor: accountId,
    subject: accountId,
    outcome: ok ? ('success' as const) : ('failure' as const),
    reason: ok ? undefined : `${body.error ?? 'error'}: ${body.error_description ?? ''}`.slice(0, 1024),
  };
  if (route === 'token') {
    const grantType = String(ctx.oidc.params?.grant_type ?? 'unknown');
    const type = grantType === 'refresh_token' ? 'token.refreshed' : 'token.issued';
    // Tokens of a sign-in acting for a company name it next to the person (re-checked: a revoked agent's refresh names none).
    const onBehalfOf = ok ? representedIn(ctx) : undefined;
    await audit.append({
      ...base,
      ...(onBehalfOf ? { onBehalfOf } : {}),
      type: ok ? type : 'token.failure',
      details: { grantType },
    });
  } else if (route === 'revocation') {
    await audit.append({ ...base, type: 'token.revoked' });
  } else if (route in REGISTRATION_EVENTS) {
    // Self-service (RFC 7591/7592): the client is the subject of the act; no person is signed in.
    const initial = ctx.oidc.entities.InitialAccessToken;
    const client = ctx.oidc.entities.Client as unknown as
      | { clientId?: string; yitong_department?: string }
      | undefined;
    await audit.append({
      ...base,
      actor: undefined,
      subject: undefined,
      client: client?.clientId ?? (ctx.params as { clientId?: string } | undefined)?.clientId,
      department: client?.yitong_department,
      type: ok ? REGISTRATION_EVENTS[route]! : 'client.registration_refused',
      // Which initial access token was used (or tried), by its non-secret id.
      details: {
        endpoint: route,
        ...(initial ? { registrationToken: registrationTokenIdOf(initial.jti) } : {}),
      },
    });
  } else if (route === 'end_session_confirm' && ok) {
    await audit.append({ ...base, type: 'session.logout', outcome: 'success', reason: undefined });
  }
};

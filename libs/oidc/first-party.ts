import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Zone } from '../config/index.ts';
import { type ClientMetadata, getClient, OidcRegistry, putClient } from './registry.ts';

/** A web portal yitong runs itself, as a confidential client of one zone's issuer. */
export interface FirstPartyPortalSpec {
  readonly clientId: string;
  readonly clientName: string;
  readonly zone: Zone;
  /** Where the portal lives under the issuer, e.g. `/audit/console`. */
  readonly path: string;
  /** Name of its stored client secret. */
  readonly secretName: string;
  /** Assurance the portal demands of everyone (the login flow steps up to it). */
  readonly requiredAcr?: string;
}

/** The citizen account portal: licence wallet, sharing, activity. */
export const ACCOUNT_PORTAL: FirstPartyPortalSpec = {
  clientId: 'yitong-account',
  clientName: 'yitong account 一通账户',
  zone: 'public',
  path: '/account',
  secretName: 'account-client-secret',
};

/** The security console: auditors, intranet only, password and a second factor. */
export const SECURITY_CONSOLE: FirstPartyPortalSpec = {
  clientId: 'yitong-security-console',
  clientName: 'yitong security console 安全审计控制台',
  zone: 'intranet',
  path: '/audit/console',
  secretName: 'security-console-client-secret',
  requiredAcr: 'urn:yitong:loa:2',
};

/** The registration of a portal at an issuer. */
export const portalMetadata = (
  spec: FirstPartyPortalSpec,
  issuer: string,
  secret: string,
): ClientMetadata => ({
  client_id: spec.clientId,
  client_secret: secret,
  client_name: spec.clientName,
  redirect_uris: [`${issuer}${spec.path}/callback`],
  post_logout_redirect_uris: [`${issuer}${spec.path}`],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  subject_type: 'public',
  yitong_zone: spec.zone,
  yitong_department: 'yitong',
  ...(spec.requiredAcr ? { yitong_required_acr: spec.requiredAcr } : {}),
});

/**
 * Registers a portal (and its secret) when it is missing or out of step with the issuer's
 * URL. The zone's issuer calls this at start for the portals of its zone, so the portals
 * themselves never need write access to the identity table.
 */
export const ensurePortalClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  spec: FirstPartyPortalSpec,
  issuer: string,
): Promise<void> => {
  const secret = await new OidcRegistry(doc, table).stableSecret(spec.secretName);
  const wanted = portalMetadata(spec, issuer, secret);
  const existing = await getClient(doc, table, spec.clientId);
  if (
    existing?.client_secret === secret &&
    JSON.stringify(existing.redirect_uris) === JSON.stringify(wanted.redirect_uris) &&
    existing.yitong_required_acr === wanted.yitong_required_acr
  )
    return;
  // Keep what administrators set on it (a suspension, say); bring the registration up to date.
  await putClient(doc, table, { ...existing, ...wanted });
};

export const FIRST_PARTY_PORTALS: readonly FirstPartyPortalSpec[] = [ACCOUNT_PORTAL, SECURITY_CONSOLE];

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SecretName, Zone } from '../config/index.ts';
import { hashClientSecret } from './client-secret.ts';
import { type ClientMetadata, getClient, putClient } from './registry.ts';

/** The department of yitong's own clients (portals, the CLI): the platform itself, with no department record. */
export const PLATFORM_DEPARTMENT = 'yitong';

/** A web portal yitong runs itself, as a confidential client of one zone's issuer. */
export interface FirstPartyPortalSpec {
  readonly clientId: string;
  readonly clientName: string;
  readonly zone: Zone;
  /** Where the portal lives under the issuer, e.g. `/audit/console`. */
  readonly path: string;
  /**
   * Its client secret in the secret store, readable only by the portal's function and its
   * zone's issuer; the registration holds only the hash.
   */
  readonly secretName: SecretName;
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

/** The registration of a portal at an issuer: its secret only as a hash. */
export const portalMetadata = (
  spec: FirstPartyPortalSpec,
  issuer: string,
  secret: string,
): ClientMetadata => ({
  client_id: spec.clientId,
  client_secret: hashClientSecret(secret),
  client_name: spec.clientName,
  redirect_uris: [`${issuer}${spec.path}/callback`],
  post_logout_redirect_uris: [`${issuer}${spec.path}`],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  subject_type: 'public',
  yitong_zone: spec.zone,
  yitong_department: PLATFORM_DEPARTMENT,
  ...(spec.requiredAcr ? { yitong_required_acr: spec.requiredAcr } : {}),
});

/**
 * Registers a portal (with the hash of its secret) when it is missing or out of step with the
 * issuer's URL or the secret. The zone's issuer calls this at start for the portals of its
 * zone, so the portals themselves never need write access to the identity table.
 */
export const ensurePortalClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  spec: FirstPartyPortalSpec,
  issuer: string,
  /** The portal's secret, or its pending read: the registration is read meanwhile. */
  secret: string | Promise<string>,
): Promise<void> => {
  await ensureClient(
    doc,
    table,
    spec.clientId,
    Promise.resolve(secret).then((s) => portalMetadata(spec, issuer, s)),
  );
};

/**
 * Stores a registration yitong owns when it is missing or any of its fields differ, keeping
 * what administrators set on it (a suspension, say). Nothing is written when it is up to date.
 */
const ensureClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  clientId: string,
  registration: ClientMetadata | Promise<ClientMetadata>,
): Promise<void> => {
  // The read does not wait for what is wanted (a secret being decrypted), nor the reverse.
  const [existing, wanted] = await Promise.all([getClient(doc, table, clientId), registration]);
  const current =
    existing && Object.entries(wanted).every(([k, v]) => JSON.stringify(existing[k]) === JSON.stringify(v));
  if (!current) await putClient(doc, table, { ...existing, ...wanted });
};

/** The admin console: administrators, intranet only, password and a second factor. */
export const ADMIN_CONSOLE: FirstPartyPortalSpec = {
  clientId: 'yitong-admin-console',
  clientName: 'yitong admin console 管理控制台',
  zone: 'intranet',
  path: '/admin/console',
  secretName: 'admin-console-client-secret',
  requiredAcr: 'urn:yitong:loa:2',
};

export const FIRST_PARTY_PORTALS: readonly FirstPartyPortalSpec[] = [
  ACCOUNT_PORTAL,
  SECURITY_CONSOLE,
  ADMIN_CONSOLE,
];

/**
 * The yitong CLI: a public client of the intranet issuer that signs administrators in by
 * device code, made for the admin API — the one own API it may obtain tokens for.
 */
export const CLI_CLIENT: ClientMetadata = {
  client_id: 'yitong-cli',
  client_name: 'yitong command line 一通命令行',
  redirect_uris: [],
  response_types: [],
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
  token_endpoint_auth_method: 'none',
  subject_type: 'public',
  yitong_zone: 'intranet',
  yitong_department: PLATFORM_DEPARTMENT,
  yitong_required_acr: 'urn:yitong:loa:2',
  yitong_resources: ['admin'],
};

/** yitong's own clients: the only ones with public subjects, and the CLI the only one with device code. */
export const FIRST_PARTY_CLIENT_IDS: ReadonlySet<string> = new Set([
  ...FIRST_PARTY_PORTALS.map((p) => p.clientId),
  CLI_CLIENT.client_id,
]);

/** Registers the CLI's client at the intranet issuer when it is missing or changed. */
export const ensureCliClient = (doc: DynamoDBDocumentClient, table: string): Promise<void> =>
  ensureClient(doc, table, CLI_CLIENT.client_id, CLI_CLIENT);

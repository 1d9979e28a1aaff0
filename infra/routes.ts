/**
 * The one route table: every function, the routes it serves and the zones that expose
 * each route. The CDK stack builds the three APIs from it and the local gateway serves
 * the three ports from it, so nothing is routed twice.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type KeyPurpose, type SecretName, ZONES, type Zone } from '../libs/config/index.ts';
import { FIRST_PARTY_PORTALS } from '../libs/oidc/index.ts';
import type { Runtime } from '../libs/runtime/index.ts';
import type { TableName } from '../libs/store/index.ts';

export type HttpMethod = 'ANY' | 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path syntax: `/licences/{id}`, greedy `/{proxy+}`. */
  readonly path: string;
  readonly zones: readonly Zone[];
}

/** A key a function signs with: everywhere it is deployed, or only in some zones. */
export type KeySigning = KeyPurpose | { readonly purpose: KeyPurpose; readonly zones: readonly Zone[] };

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface FunctionDefinition {
  readonly name: string;
  /** The Lambda entry, relative to the repository root; bundled on its own. */
  readonly entry: string;
  /** The same handler factory the entry uses, for the local gateway (functions with routes). */
  readonly load?: () => Promise<(runtime: Runtime) => Promise<ProxyHandler>>;
  readonly routes: readonly RouteDefinition[];
  /** Least privilege: what the function may do to each table (in its home zones, see below). */
  readonly tables: Readonly<Partial<Record<TableName, 'read' | 'readWrite'>>>;
  /**
   * The zones the function's API belongs to. Elsewhere its routes still answer — the zone
   * policy refuses every request there, audited — but it is deployed read-only on the tables it
   * names (audit appends and DPoP proofs aside) and without signing keys, so a policy mistake
   * there cannot change anything.
   * @default every zone it is deployed to
   */
  readonly homeZones?: readonly Zone[];
  /**
   * Verifies access tokens (yitong's APIs, the authorizer): it records each DPoP proof under a
   * `dpop#` key of the identity table (PutItem on those keys only) so no proof is used twice.
   */
  readonly checksTokens?: boolean;
  /** Whether the function appends to the audit trail (new events only: put under `event#`, no update or delete). */
  readonly auditWriter: boolean;
  /** Whether the function seals events into chains and signs checkpoints (puts under `seal#` and `checkpoint` only). */
  readonly auditSealer?: boolean;
  /** Keys the function signs with (in its home zones); only these get kms:Sign. */
  readonly signs: readonly KeySigning[];
  /** Keys whose public halves it publishes or verifies with (kms:GetPublicKey). */
  readonly reads: readonly KeyPurpose[];
  /**
   * Secrets it may read (kms:Decrypt with the secret's name as encryption context, and
   * GenerateDataKey to make it on first use). A portal's client secret is granted only in
   * the portal's zone; a secret named with zones is granted only in those.
   */
  readonly secrets: readonly (SecretName | { readonly name: SecretName; readonly zones: readonly Zone[] })[];
  /** The zone's issuer: registers the first-party portals of its zone, so reads only their secrets. */
  readonly registersPortals?: boolean;
  /** Whether it sends account email (password reset codes) through SES. */
  readonly sendsMail: boolean;
  /**
   * Sends SMS (codes, notices) when the stack has an SMS origination identity: the stack sets
   * SMS_ORIGINATION_IDENTITY (so the function knows SMS are offered). A function that consumes
   * its zone's queue (`backchannelQueue`) delivers them, and only it may call
   * sms-voice:SendTextMessage; the others hand messages to the queue.
   */
  readonly sendsSms?: boolean;
  /**
   * Zones it is deployed to without routes of ours: the authorizer, which departments
   * attach to their own APIs (the stack outputs its ARN per zone).
   */
  readonly attachable?: readonly Zone[];
  /**
   * Delivers back-channel logout from a queue of its zone (with a dead-letter queue): the
   * stack creates both, sets BACKCHANNEL_QUEUE_URL and subscribes the function.
   */
  readonly backchannelQueue?: boolean;
  /**
   * Asks the identity source (population and company registries, docs/identity.md): the stack
   * sets IDENTITY_SOURCE_URL when one is configured.
   */
  readonly asksIdentitySource?: boolean;
  /**
   * Sends back-channel logout jobs to its zone's queue (the zone's oidc function signs and
   * delivers them): it ends sessions from outside the provider. The stack sets
   * BACKCHANNEL_QUEUE_URL and lets it send, not consume. A list names the zones where it does
   * (the others' copies get no queue).
   */
  readonly endsSessions?: boolean | readonly Zone[];
  /**
   * The audit trail's background jobs, deployed once in this zone: a checkpoint schedule and
   * the audit table's stream into the Object Lock archive bucket.
   */
  readonly jobs?: Zone;
  /**
   * Deletes closed accounts whose cooling-off has ended, on an hourly schedule (EventBridge) in
   * this zone (docs/account.md, docs/operations.md).
   */
  readonly sweepsClosedAccounts?: Zone;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    name: 'oidc',
    entry: 'functions/oidc/handler.ts',
    load: async () => (await import('../functions/oidc/app.ts')).makeHandler,
    // The provider owns everything no other function claims: discovery, /auth, /token,
    // /jwks, /session/end, /interaction/… . More specific routes of other functions win.
    routes: [
      { method: 'ANY', path: '/', zones: ZONES },
      { method: 'ANY', path: '/{proxy+}', zones: ZONES },
    ],
    tables: { identity: 'readWrite' },
    auditWriter: true,
    signs: ['id-token'],
    reads: ['id-token'],
    // Cookies and CSRF, pairwise subjects, TOTP (with the public account centre, which replaces
    // one, the only function that seals or opens a TOTP secret), password reset codes (keyed hashes), and the secrets of the portals it registers
    // in its zone.
    registersPortals: true,
    secrets: [
      'cookie-keys',
      'pairwise-salt',
      'totp-data-key',
      'reset-code-key',
      // Proving an identity during sign-in: the resident ID number's keyed hash.
      'identity-hash-key',
      'account-client-secret',
      'security-console-client-secret',
      'admin-console-client-secret',
    ],
    sendsMail: true,
    sendsSms: true,
    backchannelQueue: true,
    asksIdentitySource: true,
  },
  {
    name: 'audit',
    entry: 'functions/audit/handler.ts',
    load: async () => (await import('../functions/audit/app.ts')).makeHandler,
    // The audit API belongs to the intranet. It is reachable at every entry so that a request
    // from the wrong zone meets the zone policy — refused with 403 and audited — instead of
    // vanishing into a 404; the policy, not the routing, is the rule (see docs/policies.md).
    // Every route of the API and the security console is matched by path in the function, so
    // each method of each route reaches it (no API Gateway resource without that method).
    routes: [
      { method: 'ANY', path: '/audit/{proxy+}', zones: ZONES },
      // Its OpenAPI description, only where the API is offered.
      { method: 'GET', path: '/openapi/audit.json', zones: ['intranet'] },
    ],
    homeZones: ['intranet'],
    tables: { identity: 'read', audit: 'read' },
    auditWriter: true,
    checksTokens: true,
    signs: [],
    reads: ['id-token'],
    // The security console: its session cookies and its client secret.
    secrets: ['cookie-keys', 'security-console-client-secret'],
    sendsMail: false,
  },
  {
    name: 'admin',
    entry: 'functions/admin/handler.ts',
    load: async () => (await import('../functions/admin/app.ts')).makeHandler,
    // Intranet only by policy, reachable at every entry for the same reason as audit; the API and
    // the admin console are matched by path in the function, like the audit routes. Behind the
    // public and extranet entries it is deployed read-only (homeZones).
    routes: [
      { method: 'ANY', path: '/admin/{proxy+}', zones: ZONES },
      { method: 'GET', path: '/openapi/admin.json', zones: ['intranet'] },
      // (Matched in the function, like the counter: /admin/console/support, …/find, and
      // …/{accountId}/unlock|disable|enable|recheck|reset-factor — the help desk.)
    ],
    homeZones: ['intranet'],
    tables: { identity: 'readWrite', licences: 'readWrite' },
    auditWriter: true,
    checksTokens: true,
    signs: [],
    reads: ['id-token'],
    // The admin console: its session cookies and its client secret; counter verification hashes
    // resident ID numbers, so the hash key only in the intranet, where the counter pages are
    // (elsewhere the policy refuses them, and the read-only copies need no key to refuse with).
    secrets: [
      'cookie-keys',
      'admin-console-client-secret',
      { name: 'identity-hash-key', zones: ['intranet'] },
    ],
    sendsMail: false,
    asksIdentitySource: true,
    // The help desk (intranet) ends a disabled or reset person's sessions, with back-channel
    // logout, and sends them notices through the zone's queue.
    endsSessions: ['intranet'],
  },
  {
    name: 'licences',
    entry: 'functions/licences/handler.ts',
    load: async () => (await import('../functions/licences/app.ts')).makeHandler,
    // Discovery, status lists and verification are for everyone; issuing and status changes
    // belong to the extranet and intranet, which the zone policy enforces at every entry.
    routes: [
      { method: 'GET', path: '/.well-known/jwt-vc-issuer', zones: ZONES },
      { method: 'GET', path: '/licences/jwks', zones: ZONES },
      { method: 'GET', path: '/licences/types', zones: ZONES },
      { method: 'GET', path: '/licences/types/{typeId}/{version}', zones: ZONES },
      { method: 'GET', path: '/licences/status/{list}', zones: ZONES },
      { method: 'POST', path: '/licences/verify', zones: ZONES },
      { method: 'GET', path: '/licences/shared/{shareId}', zones: ZONES },
      { method: 'POST', path: '/licences', zones: ZONES },
      { method: 'POST', path: '/licences/{licenceId}/status', zones: ZONES },
      // Each zone's description lists the operations that zone offers.
      { method: 'GET', path: '/openapi/licences.json', zones: ZONES },
    ],
    tables: { identity: 'read', licences: 'readWrite' },
    auditWriter: true,
    checksTokens: true,
    // Status lists are signed wherever they are served; licences only where they may be issued.
    signs: [{ purpose: 'licence', zones: ['extranet', 'intranet'] }, 'status-list'],
    reads: ['id-token', 'licence', 'status-list'],
    // Issuance names a person by the keyed hash of their ID number: only where licences are issued.
    secrets: [{ name: 'identity-hash-key', zones: ['extranet', 'intranet'] }],
    sendsMail: false,
  },
  {
    name: 'account',
    entry: 'functions/account/handler.ts',
    load: async () => (await import('../functions/account/app.ts')).makeHandler,
    // The citizen portal: the licence wallet, sharing, who checked my licences. Public only.
    routes: [
      { method: 'GET', path: '/account', zones: ['public'] },
      { method: 'ANY', path: '/account/{proxy+}', zones: ['public'] },
      { method: 'GET', path: '/account/login', zones: ['public'] },
      { method: 'GET', path: '/account/callback', zones: ['public'] },
      { method: 'POST', path: '/account/logout', zones: ['public'] },
      { method: 'GET', path: '/account/licences', zones: ['public'] },
      { method: 'GET', path: '/account/licences/{licenceId}', zones: ['public'] },
      { method: 'GET', path: '/account/licences/{licenceId}/download', zones: ['public'] },
      { method: 'POST', path: '/account/licences/{licenceId}/shares', zones: ['public'] },
      { method: 'POST', path: '/account/shares/{shareId}/withdraw', zones: ['public'] },
      { method: 'GET', path: '/account/verifications', zones: ['public'] },
      { method: 'GET', path: '/account/activity', zones: ['public'] },
      { method: 'GET', path: '/account/companies', zones: ['public'] },
      { method: 'POST', path: '/account/companies', zones: ['public'] },
      { method: 'GET', path: '/account/companies/{uscc}', zones: ['public'] },
      { method: 'POST', path: '/account/companies/{uscc}/agents', zones: ['public'] },
      { method: 'POST', path: '/account/companies/{uscc}/agents/{accountId}/revoke', zones: ['public'] },
      { method: 'GET', path: '/account/identity', zones: ['public'] },
      { method: 'POST', path: '/account/identity', zones: ['public'] },
      { method: 'GET', path: '/account/contact', zones: ['public'] },
      { method: 'POST', path: '/account/contact/email', zones: ['public'] },
      { method: 'POST', path: '/account/contact/email/confirm', zones: ['public'] },
      { method: 'POST', path: '/account/contact/phone', zones: ['public'] },
      { method: 'POST', path: '/account/contact/phone/confirm', zones: ['public'] },
      { method: 'POST', path: '/account/contact/phone/remove', zones: ['public'] },
      { method: 'GET', path: '/account/services', zones: ['public'] },
      { method: 'POST', path: '/account/services/{clientId}/withdraw', zones: ['public'] },
      { method: 'GET', path: '/account/sessions', zones: ['public'] },
      { method: 'POST', path: '/account/sessions/end-all', zones: ['public'] },
      { method: 'POST', path: '/account/sessions/{uid}/end', zones: ['public'] },
      { method: 'GET', path: '/account/signed-out', zones: ['public'] },
      { method: 'GET', path: '/account/security', zones: ['public'] },
      { method: 'GET', path: '/account/security/confirm', zones: ['public'] },
      { method: 'POST', path: '/account/security/passkeys', zones: ['public'] },
      { method: 'POST', path: '/account/security/passkeys/rename', zones: ['public'] },
      { method: 'POST', path: '/account/security/passkeys/remove', zones: ['public'] },
      { method: 'GET', path: '/account/security/totp', zones: ['public'] },
      { method: 'POST', path: '/account/security/totp', zones: ['public'] },
      { method: 'POST', path: '/account/security/recovery-codes', zones: ['public'] },
      { method: 'GET', path: '/account/data', zones: ['public'] },
      { method: 'POST', path: '/account/data/download', zones: ['public'] },
      { method: 'POST', path: '/account/data/close', zones: ['public'] },
      { method: 'POST', path: '/account/data/cancel', zones: ['public'] },
      { method: 'GET', path: '/account/identity/code', zones: ['public'] },
      { method: 'POST', path: '/account/identity/code', zones: ['public'] },
      { method: 'POST', path: '/account/identity/code/resend', zones: ['public'] },
    ],
    // Hourly, it deletes accounts whose closing's cooling-off has ended (docs/account.md).
    sweepsClosedAccounts: 'public',
    tables: { identity: 'readWrite', licences: 'readWrite', audit: 'read' },
    auditWriter: true,
    signs: [],
    reads: [],
    // The account portal: its session cookies and its client secret. Proving an identity,
    // registering a company and finding the proved person authorised as an agent hash resident ID numbers.
    // Contact codes (a new email address or phone) are keyed hashes under their own key.
    // Replacing the authenticator app seals the new secret (and opens only that, to check the
    // code confirming it): the TOTP data key.
    secrets: [
      'cookie-keys',
      'account-client-secret',
      'identity-hash-key',
      'contact-code-key',
      'totp-data-key',
    ],
    // Revoking an agent ends their sign-ins acting for the company, with back-channel logout;
    // codes and notices go onto the same queue, for the zone's oidc function to deliver.
    endsSessions: true,
    sendsMail: false,
    sendsSms: true,
    asksIdentitySource: true,
  },
  {
    name: 'audit-jobs',
    entry: 'functions/audit-jobs/handler.ts',
    // Signs checkpoints every quarter hour and archives the audit table's stream to WORM storage.
    routes: [],
    jobs: 'intranet',
    tables: {},
    auditWriter: true,
    auditSealer: true,
    signs: ['audit-checkpoint'],
    reads: ['audit-checkpoint'],
    secrets: [],
    sendsMail: false,
  },
  {
    name: 'authorizer',
    entry: 'functions/authorizer/handler.ts',
    // A REQUEST authorizer for department APIs, one per zone: it accepts only that zone's tokens.
    routes: [],
    attachable: ZONES,
    tables: { identity: 'read' },
    auditWriter: true,
    checksTokens: true,
    signs: [],
    reads: ['id-token'],
    secrets: [],
    sendsMail: false,
  },
];

/** The zones a function is deployed to: every zone one of its routes is exposed in. */
export const zonesOf = (fn: FunctionDefinition): Zone[] =>
  ZONES.filter(
    (zone) =>
      fn.routes.some((route) => route.zones.includes(zone)) ||
      fn.attachable?.includes(zone) ||
      fn.jobs === zone,
  );

const isHome = (fn: FunctionDefinition, zone: Zone): boolean => !fn.homeZones || fn.homeZones.includes(zone);

/** The keys a function may sign with in a zone: none outside its home zones. */
export const signsIn = (fn: FunctionDefinition, zone: Zone): KeyPurpose[] =>
  isHome(fn, zone)
    ? fn.signs.flatMap((s) => (typeof s === 'string' ? [s] : s.zones.includes(zone) ? [s.purpose] : []))
    : [];

/** Whether a function sends back-channel logout jobs and messages to its queue in a zone. */
export const endsSessionsIn = (fn: FunctionDefinition, zone: Zone): boolean =>
  Array.isArray(fn.endsSessions) ? fn.endsSessions.includes(zone) : fn.endsSessions === true;

/** What a function may do to each table in a zone: read only outside its home zones. */
export const tablesIn = (
  fn: FunctionDefinition,
  zone: Zone,
): Partial<Record<TableName, 'read' | 'readWrite'>> =>
  isHome(fn, zone)
    ? { ...fn.tables }
    : Object.fromEntries(Object.keys(fn.tables).map((table) => [table, 'read' as const]));

/** The secrets a function may read in a zone: what it lists, less other zones' portal secrets for the issuer. */
export const secretsOf = (fn: FunctionDefinition, zone: Zone): SecretName[] =>
  fn.secrets
    .flatMap((s) => (typeof s === 'string' ? [s] : s.zones.includes(zone) ? [s.name] : []))
    .filter((name) => {
      const portal = FIRST_PARTY_PORTALS.find((p) => p.secretName === name);
      return !fn.registersPortals || !portal || portal.zone === zone;
    });

/** Routes a zone exposes, with the function serving each. */
export const routesOf = (
  zone: Zone,
): Array<{ readonly fn: FunctionDefinition; readonly route: RouteDefinition }> =>
  FUNCTIONS.flatMap((fn) =>
    fn.routes.filter((route) => route.zones.includes(zone)).map((route) => ({ fn, route })),
  );

/**
 * Media types API Gateway passes to functions base64-encoded (its `binaryMediaTypes`);
 * everything else arrives as text. The stack and the local gateway share this list.
 */
export const BINARY_MEDIA_TYPES: readonly string[] = [
  'application/octet-stream',
  'image/*',
  'multipart/form-data',
];

export const isBinaryMediaType = (contentType: string): boolean => {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return BINARY_MEDIA_TYPES.some((pattern) =>
    pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern,
  );
};

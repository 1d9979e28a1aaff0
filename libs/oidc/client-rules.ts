/**
 * The one set of client rules. The admin API (and so the CLI and the admin console), dynamic
 * registration (RFC 7591/7592) and the provider itself, each time it loads a client, judge a
 * registration by these functions, so what one path refuses no other path can let in.
 */

import { IAL_URIS } from '../identity/index.ts';

/** What is wrong with one field, in words that say how to fix it. */
export interface ClientProblem {
  readonly field: string;
  readonly reason: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What is wrong with a redirect (or logout, or back-channel) address, in words that say how
 * to fix it; undefined when it is fine. Plain http is for loopback addresses in local mode only.
 */
export const addressProblem = (
  value: string,
  options: { readonly localMode: boolean },
): string | undefined => {
  if (value.includes('*')) return 'wildcards are not allowed: register each address in full';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://service.gov.example/callback';
  }
  if (url.hash || value.includes('#')) return 'must not have a fragment (#…)';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && options.localMode && LOOPBACK.has(url.hostname)) return undefined;
  return options.localMode
    ? 'use https (plain http is allowed only for localhost)'
    : 'use https (plain http is allowed only for loopback addresses in local mode)';
};

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Grants a department's client may have. Implicit, password and the rest are not offered at all. */
export const DEPARTMENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
/** yitong's own clients may also sign in by device code (the CLI). */
const FIRST_PARTY_GRANT_TYPES: readonly string[] = [...DEPARTMENT_GRANT_TYPES, DEVICE_CODE_GRANT];
/**
 * The two ways a client presents a secret (RFC 6749 §2.3.1): in the Authorization header, or in
 * the form body (openid-client's default when given a secret). Both are the same kind of client:
 * yitong makes the secret, stores only its hash and compares what is presented with it.
 */
export const CLIENT_SECRET_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export const CLIENT_AUTH_METHODS = [...CLIENT_SECRET_METHODS, 'private_key_jwt', 'none'] as const;
/** Whether a client of this method authenticates with a secret yitong made. */
export const usesClientSecret = (method: unknown): boolean =>
  (CLIENT_SECRET_METHODS as readonly unknown[]).includes(method);
/** Methods that make a client confidential: a secret, or its own keys. */
const CONFIDENTIAL_METHODS: readonly string[] = [...CLIENT_SECRET_METHODS, 'private_key_jwt'];
/** Grants a client without credentials (`none`) may use: the code flow, always with PKCE. */
const PUBLIC_CLIENT_GRANTS = new Set(['authorization_code', 'refresh_token']);

/**
 * The client metadata the rules read, as stored (RFC 7591 names); fields oidc-provider defaults
 * (grant_types, token_endpoint_auth_method, subject_type) are judged at their defaults.
 */
export type JudgedMetadata = Readonly<Record<string, unknown>>;

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * Who may obtain what: the grants, the client authentication and the subject type. These hold
 * for every client, however it was stored; only yitong's own first-party clients (its portals
 * and the CLI) may use public subjects and the device code grant.
 */
export const clientAccessProblems = (
  metadata: JudgedMetadata,
  options: { readonly firstParty: boolean },
): ClientProblem[] => {
  const problems: ClientProblem[] = [];
  const grants = strings(metadata.grant_types ?? ['authorization_code', 'refresh_token']);
  const method = String(metadata.token_endpoint_auth_method ?? 'private_key_jwt');
  const allowedGrants = options.firstParty ? FIRST_PARTY_GRANT_TYPES : DEPARTMENT_GRANT_TYPES;
  const refused = grants.filter((g) => !(allowedGrants as readonly string[]).includes(g));
  if (refused.length)
    problems.push({
      field: 'grant_types',
      reason: `${refused.join(', ')} ${refused.length > 1 ? 'are' : 'is'} not allowed${refused.includes(DEVICE_CODE_GRANT) ? ' (the device code grant is only for yitong’s own command line)' : ''}; use ${DEPARTMENT_GRANT_TYPES.join(', ')}`,
    });
  if (grants.length === 0)
    problems.push({
      field: 'grant_types',
      reason: `name at least one of ${DEPARTMENT_GRANT_TYPES.join(', ')}`,
    });
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(method))
    problems.push({
      field: 'token_endpoint_auth_method',
      reason: `${method} is not allowed; use ${CLIENT_AUTH_METHODS.join(', ')}`,
    });
  if (grants.includes('client_credentials') && !CONFIDENTIAL_METHODS.includes(method))
    problems.push({
      field: 'grant_types',
      reason: `client_credentials needs a confidential client (a secret or keys): use token_endpoint_auth_method ${CONFIDENTIAL_METHODS.join(', ')}`,
    });
  else if (method === 'none') {
    const publicGrants = options.firstParty
      ? new Set([...PUBLIC_CLIENT_GRANTS, DEVICE_CODE_GRANT])
      : PUBLIC_CLIENT_GRANTS;
    const beyond = grants.filter((g) => !publicGrants.has(g));
    if (beyond.length || !grants.some((g) => g !== 'refresh_token'))
      problems.push({
        field: 'token_endpoint_auth_method',
        reason:
          'a client without credentials (none) may only use authorization_code (with PKCE) and refresh_token',
      });
  }
  if (
    grants.includes('refresh_token') &&
    !grants.includes('authorization_code') &&
    !grants.includes(DEVICE_CODE_GRANT)
  )
    problems.push({ field: 'grant_types', reason: 'refresh_token comes with authorization_code' });
  const accepts = metadata.yitong_accepts_companies;
  if (accepts !== undefined && typeof accepts !== 'boolean')
    problems.push({ field: 'yitong_accepts_companies', reason: 'must be true or false' });
  else if (accepts === true && !grants.includes('authorization_code'))
    problems.push({
      field: 'yitong_accepts_companies',
      reason: 'only a site people sign in to (authorization_code) can let them act for a company',
    });
  const subject = metadata.subject_type ?? 'pairwise';
  if (subject !== 'pairwise' && !options.firstParty)
    problems.push({
      field: 'subject_type',
      reason:
        'department clients always get pairwise subjects (one per department): leave subject_type out or set it to pairwise',
    });
  if (method === 'private_key_jwt' && !metadata.jwks && !metadata.jwks_uri)
    problems.push({
      field: 'jwks',
      reason: 'private_key_jwt needs the client’s public keys: give jwks or jwks_uri',
    });
  if (metadata.jwks && metadata.jwks_uri)
    problems.push({ field: 'jwks_uri', reason: 'give jwks or jwks_uri, not both' });
  // The identity level a site needs: sign-in asks a person below it to prove their identity.
  if (
    metadata.yitong_required_ial !== undefined &&
    !(IAL_URIS as readonly unknown[]).includes(metadata.yitong_required_ial)
  )
    problems.push({
      field: 'yitong_required_ial',
      reason: `must be one of ${IAL_URIS.join(', ')} (identity assurance: 1 self-asserted, 2 verified against the registry, 3 verified in person)`,
    });
  return problems;
};

/** Where a client may send people and receive calls: full https addresses (loopback http locally). */
export const clientAddressProblems = (
  metadata: JudgedMetadata,
  options: { readonly localMode: boolean },
): ClientProblem[] => {
  const problems: ClientProblem[] = [];
  for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    strings(metadata[field]).forEach((uri, i) => {
      const problem = addressProblem(uri, options);
      if (problem) problems.push({ field: `${field}.${i}`, reason: `${uri}: ${problem}` });
    });
  }
  for (const field of ['backchannel_logout_uri', 'jwks_uri'] as const) {
    const value = metadata[field];
    if (value === undefined) continue;
    const problem = addressProblem(String(value), options);
    if (problem) problems.push({ field, reason: problem });
  }
  // A sector identifier is fetched by the provider from wherever it runs: https only, always.
  if (metadata.sector_identifier_uri !== undefined) {
    const problem = addressProblem(String(metadata.sector_identifier_uri), { localMode: false });
    if (problem) problems.push({ field: 'sector_identifier_uri', reason: problem });
  }
  if (strings(metadata.grant_types ?? ['authorization_code']).includes('authorization_code')) {
    if (strings(metadata.redirect_uris).length === 0)
      problems.push({
        field: 'redirect_uris',
        reason: 'a site that signs people in needs at least one redirect URI',
      });
  }
  return problems;
};

/** Every rule a department's client is registered or changed under, on every path. */
export const departmentClientProblems = (
  metadata: JudgedMetadata,
  options: { readonly localMode: boolean },
): ClientProblem[] => [
  ...clientAccessProblems(metadata, { firstParty: false }),
  ...clientAddressProblems(metadata, options),
];

/**
 * yitong's own metadata (`yitong_*`) that a department may set on its own client through
 * dynamic registration: only higher levels for its own sign-ins (sign-in strength and identity
 * assurance: both only ask more of the people signing in to it). Every other
 * `yitong_*` field (zone, department, suspension, and whatever grants access to resources)
 * is set by administrators or computed by the registration policy, never by the department.
 */
export const SELF_SERVICE_YITONG_METADATA: ReadonlySet<string> = new Set([
  'yitong_required_acr',
  'yitong_required_ial',
]);

/**
 * The `yitong_*` fields a self-service request names with a value other than the one yitong
 * itself sets (`kept`: computed by the policy, or what the client already has): each is refused.
 */
export const privilegedMetadataProblems = (
  requested: JudgedMetadata,
  kept: JudgedMetadata,
): ClientProblem[] =>
  Object.keys(requested)
    .filter((key) => key.startsWith('yitong_') && !SELF_SERVICE_YITONG_METADATA.has(key))
    .filter((key) => JSON.stringify(requested[key]) !== JSON.stringify(kept[key]))
    .map((field) => ({
      field,
      reason: 'is set by yitong’s administrators, not by dynamic registration: leave it out',
    }));

/** The problems as one sentence for an OAuth error_description. */
export const describeProblems = (problems: readonly ClientProblem[]): string =>
  problems.map((p) => `${p.field}: ${p.reason}`).join('; ');

import type { VerifiedIdentity } from '../accounts/index.ts';
import { IDENTITY_SCOPE, ialUri, TRUST_FRAMEWORK, VERIFIED_CLAIM_NAMES } from './ial.ts';

/**
 * OpenID Connect for Identity Assurance 1.0: the `verified_claims` a site receives about a
 * person whose identity was proved (IAL 2 or 3). Built from the account's proved identity when a
 * token or userinfo answer is made; nothing about the person is stored for it.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What each kind of the account's evidence becomes in the `evidence` element. */
const EVIDENCE: Readonly<Record<VerifiedIdentity['evidence'][number], Json>> = {
  // The name and number checked against the population registry.
  'registry-record': {
    type: 'electronic_record',
    check_details: [{ check_method: 'data' }],
    record: { type: 'population_register' },
  },
  // A phone number the registry holds for the person, as second evidence.
  phone: {
    type: 'electronic_record',
    check_details: [{ check_method: 'data' }],
    record: { type: 'mobile_phone_register' },
  },
  // The resident identity card checked by a civil servant at a counter.
  'id-card-in-person': {
    type: 'document',
    check_details: [{ check_method: 'vpip' }],
    document_details: { type: 'idcard' },
  },
};

const evidenceOf = (identity: VerifiedIdentity): Json[] => identity.evidence.map((kind) => EVIDENCE[kind]);

/** A claim's request constraints (`value`/`values`) allow this value. */
const allows = (constraint: unknown, value: string): boolean => {
  if (!isObject(constraint)) return true;
  if (typeof constraint.value === 'string') return constraint.value === value;
  if (Array.isArray(constraint.values)) return constraint.values.includes(value);
  return true;
};

/** Seconds precision: `time` is an ISO 8601 date-time, and the milliseconds say nothing. */
const timeOf = (identity: VerifiedIdentity) =>
  new Date(identity.verifiedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One element of a `verified_claims` request answered, or undefined when it cannot be (IDA §6). */
const answer = (identity: VerifiedIdentity, request: Json, now: Date): Json | undefined => {
  const verification = isObject(request.verification) ? request.verification : {};
  const level = ialUri(identity.ial);
  const time = timeOf(identity);
  if (!allows(verification.trust_framework, TRUST_FRAMEWORK)) return undefined;
  if (!allows(verification.assurance_level, level)) return undefined;
  const maxAge = isObject(verification.time) ? verification.time.max_age : undefined;
  if (typeof maxAge === 'number' && now.getTime() - Date.parse(identity.verifiedAt) > maxAge * 1000)
    return undefined;
  const asked = isObject(request.claims) ? Object.keys(request.claims) : [];
  const values: Json = { name: identity.name, birthdate: identity.birthDate };
  const claims = Object.fromEntries(
    VERIFIED_CLAIM_NAMES.filter((claim) => asked.includes(claim)).map((claim) => [claim, values[claim]]),
  );
  // Nothing asked for that yitong verifies: the element is left out, not sent empty.
  if (Object.keys(claims).length === 0) return undefined;
  return {
    verification: {
      trust_framework: TRUST_FRAMEWORK,
      assurance_level: level,
      time,
      ...('evidence' in verification ? { evidence: evidenceOf(identity) } : {}),
    },
    claims,
  };
};

/**
 * The `verified_claims` of a token or userinfo answer, or undefined when there are none to give:
 * the account's identity was not proved (IAL 1), or the site was not granted the `identity`
 * scope (consent), or what its `claims` request asks for (trust framework, level, age of the
 * verification, the claims) is not what yitong verified. With the scope and no request, the
 * site gets the verification (framework, level, time) and every claim of VERIFIED_CLAIM_NAMES,
 * without evidence; a request narrows that to what it names and adds evidence only if asked.
 */
export const verifiedClaimsOf = (
  identity: VerifiedIdentity | undefined,
  options: {
    /** The scopes granted to the site for this token. */
    readonly scopes: readonly string[];
    /** The `verified_claims` member of the request's `claims` parameter for this token, if any. */
    readonly request?: unknown;
    readonly now?: Date;
  },
): Json | undefined => {
  if (!identity || !options.scopes.includes(IDENTITY_SCOPE)) return undefined;
  const now = options.now ?? new Date();
  if (options.request === undefined || options.request === null)
    return answer(identity, { claims: Object.fromEntries(VERIFIED_CLAIM_NAMES.map((c) => [c, null])) }, now);
  // A request may list alternatives: the first yitong can answer is the one answered.
  const requests = Array.isArray(options.request) ? options.request : [options.request];
  for (const request of requests) {
    const answered = isObject(request) ? answer(identity, request, now) : undefined;
    if (answered) return answered;
  }
  return undefined;
};

/**
 * Why a `claims` parameter's `verified_claims` request is malformed (IDA §6: each element an
 * object with a `verification` object and a non-empty `claims` object), or undefined when it is
 * well formed or absent. The authorization request is refused with this as its description.
 */
export const verifiedClaimsRequestProblem = (claimsParameter: unknown): string | undefined => {
  if (!isObject(claimsParameter)) return undefined;
  for (const target of ['id_token', 'userinfo'] as const) {
    const member = isObject(claimsParameter[target]) ? claimsParameter[target].verified_claims : undefined;
    if (member === undefined || member === null) continue;
    const elements = Array.isArray(member) ? member : [member];
    if (elements.length === 0) return `claims.${target}.verified_claims: name at least one request`;
    for (const element of elements) {
      if (!isObject(element)) return `claims.${target}.verified_claims: each request must be a JSON object`;
      if (!isObject(element.verification))
        return `claims.${target}.verified_claims: give a verification object (it may be {"trust_framework": null})`;
      if (!isObject(element.claims) || Object.keys(element.claims).length === 0)
        return `claims.${target}.verified_claims: name the claims wanted in a non-empty claims object, such as {"name": null, "birthdate": null}`;
    }
  }
  return undefined;
};

/**
 * Identity assurance levels, separate from sign-in levels (acr): how sure yitong is of who the
 * person is, not how strongly they signed in. docs/identity.md maps them to GB/T, NIST SP 800-63A
 * and GOV.UK's P-levels.
 */
export type Ial = 1 | 2 | 3;

export const IAL_URIS = ['urn:yitong:ial:1', 'urn:yitong:ial:2', 'urn:yitong:ial:3'] as const;
export type IalUri = (typeof IAL_URIS)[number];

export const ialUri = (ial: Ial): IalUri => IAL_URIS[ial - 1]!;

/** A level from its URI or number (client metadata, a claims request); undefined for anything else. */
export const parseIal = (value: unknown): Ial | undefined => {
  if (value === 1 || value === 2 || value === 3) return value;
  if (typeof value !== 'string') return undefined;
  const match = /^urn:yitong:ial:([123])$/.exec(value);
  return match ? (Number(match[1]) as Ial) : undefined;
};

/** The trust framework yitong's verified claims are asserted under (OpenID Connect for Identity Assurance). */
export const TRUST_FRAMEWORK = 'cn_yitong';

/** The scope a site asks for (and the person consents to) to receive `verified_claims`. */
export const IDENTITY_SCOPE = 'identity';

/**
 * The claims `verified_claims` may carry: the name as the registry holds it and the birth date.
 * No `given_name`/`family_name`: a Chinese name is not split reliably (compound surnames, names of
 * minorities), so the registry's whole `name` is what is verified. Never the ID number.
 */
export const VERIFIED_CLAIM_NAMES = ['name', 'birthdate'] as const;

/** The evidence types the `evidence` element may name (discovery's `evidence_supported`). */
export const EVIDENCE_SUPPORTED = ['electronic_record', 'document'] as const;
/**
 * The level a `claims` request parameter (OpenID Connect for Identity Assurance) asks for:
 * `verified_claims` in the ID token or userinfo needs at least level 2; an `assurance_level`
 * the request names (`value` or `values`) raises it to the lowest level it would accept.
 * Undefined when the parameter asks for no verified claims (or is not JSON).
 */
export const ialOfClaimsRequest = (claims: unknown): Ial | undefined => {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return undefined;
    }
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  let need: Ial | undefined;
  for (const member of ['id_token', 'userinfo'] as const) {
    const request = (parsed as Record<string, unknown>)[member];
    if (!request || typeof request !== 'object' || !('verified_claims' in request)) continue;
    const verified = (request as { verified_claims?: unknown }).verified_claims;
    const levels = [verified]
      .flat()
      .map(
        (v) => (v as { verification?: { assurance_level?: unknown } } | null)?.verification?.assurance_level,
      )
      .flatMap((level) => {
        if (!level || typeof level !== 'object') return [];
        const { value, values } = level as { value?: unknown; values?: unknown };
        const asked = [value, ...(Array.isArray(values) ? values : [])]
          .map(parseIal)
          .filter((l): l is Ial => l !== undefined);
        return asked.length ? [Math.min(...asked)] : [];
      });
    const here = Math.max(2, ...levels) as Ial;
    need = Math.max(need ?? 1, here) as Ial;
  }
  return need;
};

/**
 * The identity assurance level a sign-in needs: the client's minimum (`yitong_required_ial`,
 * a URI or a number) and what the request's `claims` parameter asks for, whichever is higher.
 * Level 1 when neither asks.
 */
export const requiredIal = (clientMinimum: unknown, claimsParameter?: unknown): Ial =>
  Math.max(parseIal(clientMinimum) ?? 1, ialOfClaimsRequest(claimsParameter) ?? 1) as Ial;

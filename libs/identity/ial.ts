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

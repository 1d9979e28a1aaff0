import { type Lang, type MessageKey, t } from './words.ts';

/** The words of yitong's own APIs' scopes (admin, audit, licence issuance). */
export const OWN_SCOPE_WORDS: Readonly<Record<string, MessageKey>> = {
  admin: 'scope_admin',
  'audit:read': 'scope_audit_read',
  'licences:issue': 'scope_licences_issue',
};

const PERSON_SCOPES = new Set(['openid', 'profile', 'email', 'identity', 'offline_access']);

/**
 * A scope in plain words: the person's data, or what one of yitong's own APIs lets a client do.
 * The consent page asks in these words and the account centre's connected services repeat them.
 */
export const describeScope = (lang: Lang, scope: string): string => {
  if (OWN_SCOPE_WORDS[scope]) return t(lang, OWN_SCOPE_WORDS[scope]);
  return PERSON_SCOPES.has(scope)
    ? t(lang, `scope_${scope}` as 'scope_openid')
    : t(lang, 'scope_other', { scope });
};

/** The scope whose words say what a single claim shows (a site may ask for claims one by one). */
const CLAIM_SCOPES: Readonly<Record<string, string>> = {
  name: 'profile',
  preferred_username: 'profile',
  email: 'email',
  verified_claims: 'identity',
};

/**
 * What a site may see, in plain words, once each: its scopes, then the claims it was granted
 * one by one beyond them (the identifiers every site gets with `openid` say nothing more).
 */
export const describeAccess = (
  lang: Lang,
  scopes: readonly string[],
  claims: readonly string[] = [],
): string[] => {
  const all = [...scopes, ...claims.map((c) => CLAIM_SCOPES[c]).filter((s): s is string => Boolean(s))];
  return [...new Set(all.map((s) => describeScope(lang, s)))];
};

import { isBase64url, type PublicJwk, type VerifierCrypto } from './crypto.ts';
import { licenceIdProblem } from './licence-id.ts';
import { BITS, getStatusBits, statusName } from './status.ts';

/**
 * The licence verifier: the same checks online (yitong's licences function), offline (the CLI,
 * with cached keys and status lists), in Node and in a browser; only the platform's crypto
 * differs (`VerifierCrypto`). It refuses what RFC 9901 and the SD-JWT VC draft say a verifier
 * must refuse, and names why.
 */

export type Verdict = 'valid' | 'invalid' | 'revoked' | 'suspended' | 'expired' | 'not_yet_valid';

/** Machine-readable reasons for `invalid`. */
export type InvalidReason =
  | 'malformed'
  | 'alg_not_allowed'
  | 'wrong_typ'
  | 'unknown_issuer'
  | 'unknown_kid'
  | 'bad_signature'
  | 'unsupported_sd_alg'
  | 'disclosure_mismatch'
  | 'duplicate_disclosure'
  | 'malformed_disclosure'
  | 'missing_claim'
  | 'bad_licence_id'
  | 'status_unavailable'
  | 'bad_status_list';

export interface StatusEvidence {
  /** The status list token (statuslist+jwt) covering the licence's list. */
  readonly token: string;
  /** When this copy of it was fetched (epoch seconds): the age reported offline. */
  readonly fetchedAt: number;
}

export interface VerifyOptions {
  /** Public keys of each trusted issuer (licence and status-list keys), by `iss`. */
  readonly issuerKeys: (
    iss: string,
  ) => Promise<readonly PublicJwk[] | undefined> | readonly PublicJwk[] | undefined;
  /** The status list token for a list URI (online: fresh; offline: from the cache). */
  readonly statusList: (uri: string) => Promise<StatusEvidence | undefined> | StatusEvidence | undefined;
  /** Epoch seconds. @default now */
  readonly now?: number;
  /** Seconds of clock skew tolerated for nbf, iat and exp. @default 60 */
  readonly leeway?: number;
}

export interface VerificationResult {
  readonly verdict: Verdict;
  readonly reason?: InvalidReason;
  readonly message: string;
  readonly issuer?: string;
  readonly vct?: string;
  readonly licenceId?: string;
  readonly issuingAuthority?: unknown;
  readonly issuedAt?: number;
  readonly notBefore?: number;
  readonly expiresAt?: number;
  /** Claims the presentation discloses (always-visible claims included). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The names of the selectively disclosed claims that were presented. */
  readonly disclosed: readonly string[];
  readonly status?: {
    readonly uri: string;
    readonly index: number;
    readonly value: number;
    /** Seconds since the status list was fetched. */
    readonly ageSeconds: number;
    /**
     * This copy of the status list is older than the list's `ttl` (the longest the issuer lets
     * it be cached), or the token's own `exp` passed: fetch it again before relying on it.
     */
    readonly stale: boolean;
  };
}

class Refusal extends Error {
  constructor(
    readonly reason: InvalidReason,
    message: string,
  ) {
    super(message);
  }
}

/** The claims every yitong licence shows openly (never selectively disclosable). */
export const ENVELOPE_CLAIMS: readonly string[] = [
  'iss',
  'vct',
  'iat',
  'nbf',
  'exp',
  'status',
  'licence_id',
  'issuing_authority',
  'cnf',
  'sub',
];
const NOT_CLAIMS = new Set(['_sd', '_sd_alg']);
const isObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

export interface ParsedSdJwt {
  readonly jwt: string;
  readonly disclosures: readonly string[];
  readonly keyBinding: string;
}

/** `<jwt>~<disclosure>~…~[kb-jwt]`; a licence without key binding ends with `~`. */
export const splitSdJwt = (token: string): ParsedSdJwt => {
  const parts = token.trim().split('~');
  if (parts.length < 2) throw new Refusal('malformed', 'not an SD-JWT: it has no ~ separator');
  return { jwt: parts[0]!, disclosures: parts.slice(1, -1), keyBinding: parts.at(-1)! };
};

/** What a licence status list says, verified and inflated. */
export interface StatusListBits {
  readonly bits: number;
  readonly bytes: Uint8Array;
  readonly exp?: number;
  readonly ttl?: number;
}

/** The verifier's functions on one platform's crypto. */
export interface LicenceVerifier {
  /** Verifies a licence or a presentation of it: signature, disclosures, identifier, validity, status. */
  verifyLicence(token: string, options: VerifyOptions): Promise<VerificationResult>;
  /** Verifies a status list token with the issuer's keys and returns its bytes (memoised per token). */
  readStatusList(token: string, uri: string, keys: readonly PublicJwk[]): Promise<StatusListBits>;
  /** A presentation of a licence disclosing only `names` (no key binding). */
  presentLicence(licence: string, names: readonly string[]): string;
  /** The claims of a licence as its holder sees them (visible and every disclosure), unverified. */
  licenceClaims(licence: string): { claims: Record<string, unknown>; disclosable: string[] };
  /** The names a licence can disclose (for the holder's choice). */
  disclosureNames(licence: string): string[];
}

const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
const iso = (epoch: number) => new Date(epoch * 1000).toISOString();
/** An issuer key that can verify a licence: EC P-256, public. */
const usable = (jwk: PublicJwk | undefined): jwk is PublicJwk =>
  jwk?.kty === 'EC' && jwk.crv === 'P-256' && !('d' in jwk);

/** The verifier on the given crypto (`@yitong/licence-verifier` binds it to Node's or WebCrypto). */
export const createVerifier = (crypto: VerifierCrypto): LicenceVerifier => {
  /** A base64url (no padding, nothing outside the alphabet) JSON segment. */
  const decodeJson = (part: string): unknown => {
    if (!isBase64url(part)) throw new Error('not base64url');
    return JSON.parse(crypto.base64urlText(part));
  };

  /** A disclosure's name and value. */
  const readDisclosure = (disclosure: string) => {
    let decoded: unknown;
    try {
      decoded = decodeJson(disclosure);
    } catch {
      throw new Refusal('malformed_disclosure', 'a disclosure is not base64url JSON');
    }
    if (
      !Array.isArray(decoded) ||
      decoded.length !== 3 ||
      typeof decoded[0] !== 'string' ||
      typeof decoded[1] !== 'string'
    ) {
      throw new Refusal('malformed_disclosure', 'a disclosure is not [salt, name, value]');
    }
    const name = decoded[1];
    if (name === '_sd' || name === '...' || name === '_sd_alg')
      throw new Refusal('malformed_disclosure', `a disclosure may not be named ${name}`);
    return { name, value: decoded[2] as unknown };
  };

  /**
   * An ES256 compact JWS signature over `header.payload` (the caller has checked `alg`, `typ`,
   * `crit` and chosen the key by `kid`): the raw r‖s form JOSE uses (64 bytes).
   */
  const verifiesES256 = (jwt: string, jwk: PublicJwk): boolean | Promise<boolean> => {
    const dot = jwt.lastIndexOf('.');
    const signature = jwt.slice(dot + 1);
    if (!SIGNATURE.test(signature)) return false;
    return crypto.verifyES256(jwt.slice(0, dot), signature, jwk);
  };
  // Node answers at once: no promise (and no trip through the microtask queue) per licence.
  const settled = async (value: boolean | Promise<boolean>) =>
    typeof value === 'boolean' ? value : await value;

  /** Status lists already verified and inflated, by token: one list covers many licences. */
  const readLists = new Map<string, Promise<StatusListBits>>();

  const readStatusList = (token: string, uri: string, keys: readonly PublicJwk[]) => {
    const id = `${uri}|${keys.map((k) => k.kid).join(',')}|${token}`;
    let list = readLists.get(id);
    if (!list) {
      if (readLists.size > 32) readLists.clear();
      list = verifyStatusList(token, uri, keys);
      readLists.set(id, list);
      list.catch(() => readLists.delete(id));
    }
    return list;
  };

  const verifyStatusList = async (
    token: string,
    uri: string,
    keys: readonly PublicJwk[],
  ): Promise<StatusListBits> => {
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    const segments = token.trim().split('.');
    try {
      if (segments.length !== 3) throw new Error('parts');
      const h = decodeJson(segments[0]!);
      const b = decodeJson(segments[1]!);
      if (!isObject(h) || !isObject(b)) throw new Error('not objects');
      header = h;
      payload = b;
    } catch {
      throw new Refusal('bad_status_list', 'the status list cannot be read');
    }
    if (header.alg !== 'ES256' || header.typ !== 'statuslist+jwt')
      throw new Refusal('bad_status_list', 'the status list is not an ES256 statuslist+jwt');
    if (header.crit !== undefined)
      throw new Refusal('bad_status_list', 'the status list names critical header parameters');
    const jwk = keys.find((k) => k.kid === header.kid);
    if (!usable(jwk))
      throw new Refusal(
        'bad_status_list',
        'the status list is signed with a key the issuer does not publish',
      );
    if (!(await settled(verifiesES256(segments.join('.'), jwk))))
      throw new Refusal('bad_status_list', 'the status list signature does not verify');
    if (payload.sub !== uri) throw new Refusal('bad_status_list', 'the status list is for another URI');
    const list = payload.status_list as { bits?: unknown; lst?: unknown } | undefined;
    if (list?.bits !== BITS || typeof list.lst !== 'string' || !isBase64url(list.lst))
      throw new Refusal('bad_status_list', 'the status list is not 2-bit');
    let bytes: Uint8Array;
    try {
      bytes = await crypto.inflate(crypto.base64urlBytes(list.lst));
    } catch {
      throw new Refusal('bad_status_list', 'the status list does not decompress');
    }
    return {
      bits: BITS,
      bytes,
      exp: typeof payload.exp === 'number' ? payload.exp : undefined,
      ttl: typeof payload.ttl === 'number' ? payload.ttl : undefined,
    };
  };

  const verifyLicence = async (token: string, options: VerifyOptions): Promise<VerificationResult> => {
    const now = options.now ?? Math.floor(Date.now() / 1000);
    const leeway = options.leeway ?? 60;
    let partial: Partial<VerificationResult> = {};
    try {
      const { jwt, disclosures, keyBinding } = splitSdJwt(token);
      if (keyBinding !== '') throw new Refusal('malformed', 'yitong licences carry no key binding JWT');
      let header: Record<string, unknown>;
      let payload: Record<string, unknown>;
      try {
        const segments = jwt.split('.');
        if (segments.length !== 3 || !segments[0] || !segments[1]) throw new Error('parts');
        const h = decodeJson(segments[0]);
        const b = decodeJson(segments[1]);
        if (!isObject(h) || !isObject(b)) throw new Error('not objects');
        header = h;
        payload = b;
      } catch {
        throw new Refusal('malformed', 'the issuer-signed JWT cannot be read');
      }
      // Decide on the algorithm before touching keys: no `none`, no HMAC keyed with a public key.
      if (header.alg !== 'ES256')
        throw new Refusal('alg_not_allowed', `algorithm ${String(header.alg)} is not accepted (ES256 only)`);
      if (header.typ !== 'dc+sd-jwt')
        throw new Refusal('wrong_typ', `typ ${String(header.typ)} is not dc+sd-jwt`);
      // No extension is understood, so any critical one refuses the licence (RFC 7515 §4.1.11).
      if (header.crit !== undefined)
        throw new Refusal(
          'malformed',
          'the licence names critical header parameters this verifier does not understand',
        );
      const iss = typeof payload.iss === 'string' ? payload.iss : undefined;
      if (!iss) throw new Refusal('missing_claim', 'the licence names no issuer (iss)');
      partial = { issuer: iss };
      const keys = await options.issuerKeys(iss);
      if (!keys) throw new Refusal('unknown_issuer', `${iss} is not a trusted licence issuer`);
      const jwk = keys.find((k) => k.kid === header.kid);
      if (!usable(jwk)) throw new Refusal('unknown_kid', `the issuer publishes no key ${String(header.kid)}`);
      const verified = verifiesES256(jwt, jwk);
      if (!(typeof verified === 'boolean' ? verified : await verified))
        throw new Refusal('bad_signature', 'the issuer signature does not verify: the licence was altered');
      // From here the payload is the issuer's own.
      const sdAlg = payload._sd_alg ?? 'sha-256';
      if (sdAlg !== 'sha-256')
        throw new Refusal('unsupported_sd_alg', `_sd_alg ${String(sdAlg)} is not supported`);
      const vct = typeof payload.vct === 'string' ? payload.vct : undefined;
      const licenceId = typeof payload.licence_id === 'string' ? payload.licence_id : undefined;
      const iat = typeof payload.iat === 'number' ? payload.iat : undefined;
      const nbf = typeof payload.nbf === 'number' ? payload.nbf : iat;
      const exp = typeof payload.exp === 'number' ? payload.exp : undefined;
      partial = {
        ...partial,
        vct,
        licenceId,
        issuingAuthority: payload.issuing_authority,
        issuedAt: iat,
        notBefore: nbf,
        expiresAt: exp,
      };
      if (!vct || iat === undefined || exp === undefined)
        throw new Refusal('missing_claim', 'the licence lacks vct, iat or exp');
      // As a JWT library would: a time claim that is present is a number.
      for (const name of ['iat', 'nbf', 'exp'] as const)
        if (
          payload[name] !== undefined &&
          (typeof payload[name] !== 'number' || !Number.isFinite(payload[name]))
        )
          throw new Refusal('malformed', `the licence's ${name} is not a number`);

      // Disclosures: each must be listed by the issuer, once; none may collide with a claim.
      const listed = new Set<string>();
      const sd = payload._sd;
      if (sd !== undefined) {
        if (!Array.isArray(sd) || sd.some((d) => typeof d !== 'string'))
          throw new Refusal('malformed', '_sd is not a list of digests');
        for (const digest of sd as string[]) {
          if (listed.has(digest))
            throw new Refusal('duplicate_disclosure', 'the issuer listed a digest twice');
          listed.add(digest);
        }
      }
      const claims: Record<string, unknown> = {};
      for (const name of Object.keys(payload)) if (!NOT_CLAIMS.has(name)) claims[name] = payload[name];
      const used = new Set<string>();
      const disclosed: string[] = [];
      for (const disclosure of disclosures) {
        const { name, value } = readDisclosure(disclosure);
        // The disclosure is base64url, so ASCII as UTF-8: its digest as the issuer listed it.
        const hashed = crypto.sha256(disclosure);
        const digest = typeof hashed === 'string' ? hashed : await hashed;
        if (!listed.has(digest))
          throw new Refusal(
            'disclosure_mismatch',
            `the disclosure of ${name} is not one the issuer signed (altered or foreign)`,
          );
        if (used.has(digest)) throw new Refusal('duplicate_disclosure', `${name} is disclosed twice`);
        if (Object.hasOwn(claims, name))
          throw new Refusal('disclosure_mismatch', `${name} is both disclosed and visible`);
        used.add(digest);
        claims[name] = value;
        disclosed.push(name);
      }
      partial = { ...partial, claims, disclosed };

      const idProblem = licenceIdProblem(licenceId);
      if (idProblem) throw new Refusal('bad_licence_id', idProblem);

      // Status from the list, whose signature is the issuer's too (its status-list key).
      const ref = (payload.status as { status_list?: { idx?: unknown; uri?: unknown } } | undefined)
        ?.status_list;
      if (
        !ref ||
        typeof ref.uri !== 'string' ||
        typeof ref.idx !== 'number' ||
        !Number.isInteger(ref.idx) ||
        ref.idx < 0
      )
        throw new Refusal('missing_claim', 'the licence names no status list entry');
      const evidence = await options.statusList(ref.uri);
      if (!evidence) throw new Refusal('status_unavailable', `no status list is available for ${ref.uri}`);
      const list = await readStatusList(evidence.token, ref.uri, keys);
      if (ref.idx * list.bits >= list.bytes.length * 8)
        throw new Refusal('bad_status_list', 'the status index is outside the list');
      const value = getStatusBits(list.bytes, ref.idx);
      const ageSeconds = Math.max(0, now - evidence.fetchedAt);
      const status = {
        uri: ref.uri,
        index: ref.idx,
        value,
        ageSeconds,
        stale:
          (list.exp !== undefined && list.exp < now) || (list.ttl !== undefined && ageSeconds > list.ttl),
      };
      partial = { ...partial, status };

      const base = { ...partial, claims, disclosed, status } as VerificationResult;
      const name = statusName(value);
      if (name === 'revoked')
        return { ...base, verdict: 'revoked', message: 'the issuer has revoked this licence' };
      if (name === 'suspended')
        return { ...base, verdict: 'suspended', message: 'the issuer has suspended this licence' };
      if (name !== 'valid') throw new Refusal('bad_status_list', `status value ${value} is not defined`);
      if (exp <= now - leeway)
        return { ...base, verdict: 'expired', message: `the licence expired at ${iso(exp)}` };
      if (nbf !== undefined && nbf > now + leeway)
        return { ...base, verdict: 'not_yet_valid', message: `the licence is valid from ${iso(nbf)}` };
      return { ...base, verdict: 'valid', message: 'the licence is genuine, unaltered and in force' };
    } catch (err: unknown) {
      if (!(err instanceof Refusal)) throw err;
      return {
        claims: {},
        disclosed: [],
        ...partial,
        verdict: 'invalid',
        reason: err.reason,
        message: err.message,
      };
    }
  };

  const presentLicence = (licence: string, names: readonly string[]): string => {
    const { jwt, disclosures } = splitSdJwt(licence);
    const wanted = new Set(names);
    const chosen = disclosures.filter((d) => wanted.has(readDisclosure(d).name));
    return `${[jwt, ...chosen].join('~')}~`;
  };

  const licenceClaims = (licence: string): { claims: Record<string, unknown>; disclosable: string[] } => {
    const { jwt, disclosures } = splitSdJwt(licence);
    const payload = decodeJson(jwt.split('.')[1] ?? '') as Record<string, unknown>;
    const claims = Object.fromEntries(Object.entries(payload).filter(([name]) => !NOT_CLAIMS.has(name)));
    const disclosable: string[] = [];
    for (const d of disclosures) {
      const { name, value } = readDisclosure(d);
      claims[name] = value;
      disclosable.push(name);
    }
    return { claims, disclosable };
  };

  const disclosureNames = (licence: string): string[] =>
    splitSdJwt(licence).disclosures.map((d) => readDisclosure(d).name);

  return { verifyLicence, readStatusList, presentLicence, licenceClaims, disclosureNames };
};

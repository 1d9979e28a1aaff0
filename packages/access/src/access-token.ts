import { createHash } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { DpopProofLog } from './dpop-proof-log.ts';

/**
 * Verifies yitong's JWT access tokens (RFC 9068) for an API: issuer of the zone, audience,
 * expiry, `typ: at+jwt`, ES256 only, and the DPoP binding (RFC 9449) when the token has one.
 */

export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
  constructor(
    /** RFC 6750 / RFC 9449 error code for WWW-Authenticate. */
    readonly code: 'invalid_token' | 'invalid_dpop_proof' | 'invalid_request',
    message: string,
  ) {
    super(message);
  }
}

/** The level of assurance an `acr` names: 1 password, 2 second factor, 3 passkey; 0 for anything else. */
export const loaOfAcr = (acr: unknown): number => {
  const match = typeof acr === 'string' ? /^urn:yitong:loa:([123])$/.exec(acr) : null;
  return match ? Number(match[1]) : 0;
};

export interface AccessTokenClaims {
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly acr?: string;
  readonly amr: readonly string[];
  /** The internal account id: only in tokens for yitong's own APIs. */
  readonly account?: string;
  /** Client credentials: the token speaks for the client itself, not a person. */
  readonly machine: boolean;
  readonly boundTo?: string;
  readonly payload: JWTPayload;
}

export interface VerifyOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly keys: JWTVerifyGetKey;
  /** The Authorization header as sent. */
  readonly authorization: string | undefined;
  /** The DPoP header, if any. */
  readonly dpop: string | undefined;
  /** Where DPoP proofs are recorded until they expire: a proof is accepted once. */
  readonly dpopProofs: DpopProofLog;
  /** The request as the client addressed it, for the DPoP proof's htm and htu. */
  readonly method: string;
  readonly url: string;
  readonly clockToleranceSeconds?: number;
  readonly now?: () => Date;
}

/** How far a DPoP proof's iat may be from now, either way (seconds); also how long its jti is kept. */
export const DPOP_PROOF_MAX_AGE = 300;

/** The verified claims of the request's access token; an AccessTokenError says what was wrong. */
export const verifyAccessToken = async (options: VerifyOptions): Promise<AccessTokenClaims> => {
  const header = options.authorization?.trim();
  if (!header) throw new AccessTokenError('invalid_request', 'no access token was sent');
  const match = /^(Bearer|DPoP)\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match) throw new AccessTokenError('invalid_request', 'the Authorization header is not Bearer or DPoP');
  const scheme = match[1]!.toLowerCase();
  const token = match[2]!;
  const now = options.now?.() ?? new Date();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, options.keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
      clockTolerance: options.clockToleranceSeconds ?? 5,
      currentDate: now,
    }));
  } catch (err: unknown) {
    throw new AccessTokenError('invalid_token', tokenProblem(err));
  }
  const boundTo = (payload.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (typeof boundTo === 'string') {
    if (scheme !== 'dpop')
      throw new AccessTokenError('invalid_token', 'a DPoP-bound token must be sent with the DPoP scheme');
    await verifyDpopProof(options, token, boundTo, now);
  } else if (scheme === 'dpop') {
    throw new AccessTokenError('invalid_token', 'the token is not DPoP-bound; send it as a Bearer token');
  }
  const clientId = String(payload.client_id);
  return {
    sub: String(payload.sub),
    clientId,
    scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    acr: typeof payload.acr === 'string' ? payload.acr : undefined,
    amr: Array.isArray(payload.amr) ? payload.amr.map(String) : [],
    account: typeof payload.yitong_account === 'string' ? payload.yitong_account : undefined,
    machine: payload.sub === clientId && payload.acr === undefined,
    boundTo: typeof boundTo === 'string' ? boundTo : undefined,
    payload,
  };
};

const tokenProblem = (err: unknown): string => {
  if (err instanceof joseErrors.JWTExpired) return 'the access token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'the access token was issued by another issuer (zone)';
    if (err.claim === 'aud') return 'the access token is for another audience';
    if (err.claim === 'typ') return 'the token is not an access token (typ at+jwt)';
    return `the access token's ${err.claim} claim is not valid`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'the access token signature does not verify';
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return 'the access token uses an algorithm that is not accepted';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'the access token was signed with an unknown key';
  return 'the access token is malformed';
};

const base64urlSha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** The htu compared as RFC 9449 says: without query and fragment. */
const htuOf = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
};

const verifyDpopProof = async (options: VerifyOptions, token: string, jkt: string, now: Date) => {
  const proof = options.dpop?.trim();
  if (!proof) throw new AccessTokenError('invalid_dpop_proof', 'a DPoP proof is required for this token');
  let jwk: JWK;
  try {
    const header = decodeProtectedHeader(proof);
    if (header.typ !== 'dpop+jwt') throw new Error('typ');
    jwk = header.jwk as JWK;
    if (!jwk || typeof jwk !== 'object' || 'd' in jwk) throw new Error('jwk');
  } catch {
    throw new AccessTokenError('invalid_dpop_proof', 'the DPoP proof header is not valid');
  }
  if ((await calculateJwkThumbprint(jwk)) !== jkt) {
    throw new AccessTokenError(
      'invalid_dpop_proof',
      'the DPoP proof key is not the key the token is bound to',
    );
  }
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(proof, jwk, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'EdDSA'],
      currentDate: now,
    }));
  } catch {
    throw new AccessTokenError('invalid_dpop_proof', 'the DPoP proof signature does not verify');
  }
  const age = Math.abs(now.getTime() / 1000 - Number(claims.iat));
  if (!Number.isFinite(age) || age > DPOP_PROOF_MAX_AGE)
    throw new AccessTokenError('invalid_dpop_proof', 'the DPoP proof is too old or from the future');
  if (typeof claims.jti !== 'string' || !claims.jti)
    throw new AccessTokenError('invalid_dpop_proof', 'the DPoP proof has no jti');
  if (String(claims.htm).toUpperCase() !== options.method.toUpperCase())
    throw new AccessTokenError('invalid_dpop_proof', 'the DPoP proof is for another HTTP method');
  if (typeof claims.htu !== 'string' || htuOf(claims.htu) !== htuOf(options.url))
    throw new AccessTokenError('invalid_dpop_proof', 'the DPoP proof is for another URL');
  if (claims.ath !== base64urlSha256(token))
    throw new AccessTokenError('invalid_dpop_proof', 'the DPoP proof is for another access token');
  // Last, so only a proof that is valid in every other way uses up its jti. It is kept as long
  // as the iat window would accept it.
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const expiresAt = Math.floor(Number(claims.iat)) + DPOP_PROOF_MAX_AGE + 1;
  if (!(await options.dpopProofs.firstUse(jkt, claims.jti, expiresAt, nowSeconds))) {
    throw new AccessTokenError(
      'invalid_dpop_proof',
      'the DPoP proof has already been used; send a new proof (a new jti) with every request',
    );
  }
};

/** A public key as an issuer's JWKS publishes it (only EC P-256 keys verify licences). */
export interface PublicJwk {
  readonly kty?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly kid?: string;
  readonly [parameter: string]: unknown;
}

/**
 * What the verifier needs from the platform: Node has `node:crypto` and `node:zlib` (synchronous,
 * no trip to the thread pool); a browser has WebCrypto and DecompressionStream (asynchronous).
 * The checks themselves are the same code on both.
 */
export interface VerifierCrypto {
  /** The UTF-8 text of a base64url segment; throws on anything outside the alphabet. */
  base64urlText(segment: string): string;
  /** The base64url bytes decoded. */
  base64urlBytes(segment: string): Uint8Array;
  /** SHA-256 of an ASCII string, base64url without padding. */
  sha256(text: string): string | Promise<string>;
  /**
   * Whether `signature` (base64url, raw r‖s) is a valid ES256 signature over `signingInput`
   * with this EC P-256 public key. An unreadable key or signature does not verify.
   */
  verifyES256(signingInput: string, signature: string, jwk: PublicJwk): boolean | Promise<boolean>;
  /** ZLIB-format DEFLATE data inflated. */
  inflate(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A strict base64url segment (no padding, nothing outside the alphabet). */
export const isBase64url = (segment: string): boolean => BASE64URL.test(segment);

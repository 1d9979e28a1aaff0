import { isBase64url, type PublicJwk, type VerifierCrypto } from './crypto.ts';

/**
 * WebCrypto and the Compression Streams API: what every current browser, Deno, Bun, Cloudflare
 * Workers and Node (≥ 18) have, with no `node:` module, so a page can verify a licence offline.
 */

const binary = (segment: string): Uint8Array => {
  if (!isBase64url(segment)) throw new TypeError('not base64url');
  const base64 = segment.replaceAll('-', '+').replaceAll('_', '/');
  const text = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
};

const base64url = (data: ArrayBuffer): string => {
  let text = '';
  for (const byte of new Uint8Array(data)) text += String.fromCharCode(byte);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
};

/** Imported keys, by their JWK: a verifier checks many licences with few keys. */
type PublicKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<PublicKey>>();
const keyOf = (jwk: PublicJwk) => {
  const id = `${jwk.kid}|${jwk.x}|${jwk.y}`;
  let key = keys.get(id);
  if (!key) {
    if (keys.size > 256) keys.clear();
    key = crypto.subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    keys.set(id, key);
    key.catch(() => keys.delete(id));
  }
  return key;
};

const ascii = (text: string): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
};

/** WebCrypto: ECDSA takes the raw r‖s signature JOSE uses as it is. */
export const webCrypto: VerifierCrypto = {
  base64urlText: (segment) => new TextDecoder().decode(binary(segment)),
  base64urlBytes: binary,
  sha256: async (text) => base64url(await crypto.subtle.digest('SHA-256', ascii(text))),
  verifyES256: async (signingInput, signature, jwk) => {
    try {
      return await crypto.subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        await keyOf(jwk),
        binary(signature) as Uint8Array<ArrayBuffer>,
        ascii(signingInput),
      );
    } catch {
      return false;
    }
  },
  inflate: async (data) => {
    const stream = new Blob([data as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  },
};

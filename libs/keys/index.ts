export { publicJwkOf } from './jwk.ts';
export { derToJose, KmsKeyring } from './kms.ts';
export { LocalKeyring } from './local.ts';
export { loadCookieKeys } from './secrets.ts';
export { jwks, type Keyring, type PublicJwk, type Signer } from './signer.ts';

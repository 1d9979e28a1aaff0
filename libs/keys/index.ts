export { COOKIE_KEYS_KEPT, loadCookieKeys, rotateCookieKeys } from './cookie-keys.ts';
export { publicJwkOf } from './jwk.ts';
export { derToJose, KmsKeyring } from './kms.ts';
export { LocalKeyring, type LocalKeyringOptions } from './local.ts';
export { jwks, type Keyring, type PublicJwk, type Signer } from './signer.ts';

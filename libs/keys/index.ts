export { readOrCreateSecretFile } from './file.ts';
export { publicJwkOf } from './jwk.ts';
export { derToJose, KmsKeyring } from './kms.ts';
export { LocalKeyring, type LocalKeyringOptions } from './local.ts';
export {
  currentSecret,
  KmsSecretStore,
  LocalSecretStore,
  SECRET_VERSIONS_KEPT,
  type SecretStore,
} from './secrets.ts';
export { jwks, type Keyring, type PublicJwk, type Signer } from './signer.ts';

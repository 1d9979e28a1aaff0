export { readOrCreateSecretFile } from './file.ts';
export { KmsKeyring } from './kms.ts';
export { LocalKeyring } from './local.ts';
export { currentSecret, KmsSecretStore, LocalSecretStore, type SecretStore } from './secrets.ts';
export { jwks, type Keyring, type PublicJwk, type Signer } from './signer.ts';

export {
  DynamoOidcAdapter,
  dynamoAdapterFactory,
  GRANTABLE_MODELS,
  type OidcAdapterDeps,
  revokeGrant,
} from './adapter.ts';
export { createProvider, type ProviderDeps, SignerSigningKey } from './provider.ts';

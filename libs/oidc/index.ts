export {
  CLIENT_CACHE_SECONDS,
  DynamoOidcAdapter,
  dynamoAdapterFactory,
  GRANTABLE_MODELS,
  type OidcAdapterDeps,
  revokeGrant,
} from './adapter.ts';
export { ACR, ACR_VALUES, type Loa, loaOf, requiredLoa } from './assurance.ts';
export {
  BackchannelJob,
  type BackchannelQueue,
  deliverBackchannelJobs,
  isSqsEvent,
  SqsBackchannelQueue,
} from './backchannel.ts';
export { CLIENT_EXTRA_METADATA, createProvider, type ProviderDeps, SignerSigningKey } from './provider.ts';
export { type ClientMetadata, getClient, OidcRegistry, putClient, ResourceServer } from './registry.ts';

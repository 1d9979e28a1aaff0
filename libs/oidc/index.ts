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
export {
  type ClientInput,
  ClientNameTakenError,
  claimClientName,
  clientInputSchema,
  clientMetadataOf,
  createRegistrationToken,
  departmentClientIds,
  departmentRegistrationTokens,
  newClientSecret,
  REGISTRATION_TOKEN_MAX_USES,
  type RegistrationToken,
  RegistrationTokenNotFoundError,
  RegistrationTokenRevokedError,
  registrationTokenIdOf,
  releaseClientName,
  revokeRegistrationToken,
} from './client-registration.ts';
export {
  ACCOUNT_PORTAL,
  ADMIN_CONSOLE,
  CLI_CLIENT,
  ensureCliClient,
  ensurePortalClient,
  FIRST_PARTY_CLIENT_IDS,
  FIRST_PARTY_PORTALS,
  type FirstPartyPortalSpec,
  portalMetadata,
  SECURITY_CONSOLE,
} from './first-party.ts';
export {
  type AudienceRefusal,
  audienceRefusalOf,
  CLIENT_EXTRA_METADATA,
  createProvider,
  type ProviderDeps,
  SignerSigningKey,
} from './provider.ts';
export {
  type ClientMetadata,
  getClient,
  grantedResources,
  OidcRegistry,
  putClient,
  ResourceServer,
} from './registry.ts';

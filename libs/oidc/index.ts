export { type AccountGrant, type AccountSession, AccountSessions } from './account-sessions.ts';
export { dynamoAdapterFactory, oidcItemKey } from './adapter.ts';
export { ACR, ACR_VALUES, loaOf, requiredLoa } from './assurance.ts';
export {
  BackchannelJob,
  type BackchannelQueue,
  deliverBackchannelJob,
  deliverBackchannelJobs,
  InProcessBackchannelQueue,
  isSqsEvent,
  rememberDelivery,
  SqsBackchannelQueue,
} from './backchannel.ts';
export {
  type ClientInput,
  ClientNameTakenError,
  claimClientName,
  clientInputSchema,
  clientMetadataOf,
  consumeRegistrationToken,
  createRegistrationToken,
  DEPARTMENT_REGISTRATION_POLICY,
  departmentClientIds,
  departmentRegistrationTokens,
  newClientSecret,
  REGISTRATION_TOKEN_MAX_USES,
  type RegistrationToken,
  RegistrationTokenNotFoundError,
  RegistrationTokenRefusedError,
  RegistrationTokenRevokedError,
  registrationTokenIdOf,
  registrationTokenOf,
  registrationTokenRefusal,
  releaseClientName,
  revokeRegistrationToken,
} from './client-registration.ts';
export {
  CLIENT_AUTH_METHODS,
  type ClientProblem,
  clientAccessProblems,
  departmentClientProblems,
  describeProblems,
  privilegedMetadataProblems,
  SELF_SERVICE_YITONG_METADATA,
  usesClientSecret,
} from './client-rules.ts';
export { clientSecretMatches, isHashedClientSecret } from './client-secret.ts';
export { browserOriginsOf, isBrowserOrigin } from './cors.ts';
export { networkOf, rememberDevice, SessionDevice } from './devices.ts';
export {
  ACCOUNT_PORTAL,
  ADMIN_CONSOLE,
  ensureCliClient,
  ensurePortalClient,
  FIRST_PARTY_CLIENT_IDS,
  FIRST_PARTY_PORTALS,
  type FirstPartyPortalSpec,
  PLATFORM_DEPARTMENT,
  SECURITY_CONSOLE,
} from './first-party.ts';
export {
  type ClientMetadata,
  forgetConsent,
  forgetConsents,
  getClient,
  grantedResources,
  OidcRegistry,
  type OidcRegistryOptions,
  putClient,
  RESOURCE_SERVER_MAX_AGE_MS,
  type RememberedConsent,
  ResourceServer,
  rememberedConsents,
} from './registry.ts';
export {
  type BackchannelQueues,
  backchannelQueuesOf,
  type ClientSession,
  endClientSessions,
  type SessionEndDeps,
  type SessionEndResult,
} from './session-ends.ts';

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppConfig } from '../config/index.ts';
import type { SecretStore } from '../keys/index.ts';
import { ActingStore } from './acting.ts';
import { IdentityClaims, ProofingAttempts } from './claims.ts';
import { CompanyStore } from './companies.ts';
import { IdentityHasher } from './hasher.ts';
import { HttpIdentitySource, type IdentitySource } from './source.ts';

/** What proofing and identity look-ups need, built once per function. */
export interface IdentityServices {
  readonly hasher: IdentityHasher;
  readonly claims: IdentityClaims;
  readonly attempts: ProofingAttempts;
  readonly companies: CompanyStore;
  /** Which company each sign-in acts for (per site), and the sign-ins acting for each company. */
  readonly acting: ActingStore;
  /** Undefined when no identity source is configured: remote proofing is then not offered. */
  readonly source: IdentitySource | undefined;
}

/** The identity services of a function: the hash key from its secrets, the source from config. */
export const identityServices = (
  config: AppConfig,
  doc: DynamoDBDocumentClient,
  secrets: SecretStore,
): IdentityServices => ({
  hasher: new IdentityHasher(() => secrets.versions('identity-hash-key')),
  claims: new IdentityClaims(doc, config.tables.identity),
  attempts: new ProofingAttempts(doc, config.tables.identity),
  companies: new CompanyStore(doc, config.tables.identity),
  acting: new ActingStore(doc, config.tables.identity),
  source: config.identitySource
    ? new HttpIdentitySource({
        baseUrl: config.identitySource.url,
        timeoutMs: config.identitySource.timeoutMs,
      })
    : undefined,
});

const built = new WeakMap<object, IdentityServices>();

/**
 * A function's identity services, built on its first use and kept with its runtime. Not part of
 * the runtime itself: a function that never proves or looks up an identity (the audit console,
 * its jobs, the authorizer) then bundles none of this lib.
 */
export const identityOf = (runtime: {
  readonly config: AppConfig;
  readonly doc: DynamoDBDocumentClient;
  readonly secrets: SecretStore;
}): IdentityServices => {
  let services = built.get(runtime);
  if (!services) {
    services = identityServices(runtime.config, runtime.doc, runtime.secrets);
    built.set(runtime, services);
  }
  return services;
};

import { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AccountStore,
  BackgroundMail,
  type MailQueue,
  type OutboxNotifier,
  SqsMailQueue,
} from '../accounts/index.ts';
import { type AuditLog, DetectingAuditLog, DynamoAuditLog, MeteredAuditLog } from '../audit/index.ts';
import type { AppConfig, KeyPurpose, SecretName } from '../config/index.ts';
import {
  type Keyring,
  KmsKeyring,
  KmsSecretStore,
  LocalKeyring,
  LocalSecretStore,
  type SecretStore,
} from '../keys/index.ts';
import { PowertoolsMetricsSink, startTracing, traced } from '../observability/index.ts';
import type { BackchannelQueues } from '../oidc/index.ts';
import { AccessControl } from '../policy/index.ts';
import { createDynamoClient } from '../store/index.ts';

/** What every function is built from: config plus the clients and keys it implies. */
export interface Runtime {
  readonly config: AppConfig;
  readonly doc: DynamoDBDocumentClient;
  readonly keyring: Keyring;
  /** The secrets this function may read (on AWS its role may decrypt only those). */
  readonly secrets: SecretStore;
  /** Cookie keys, newest first; empty for a function that may not read them. */
  readonly cookieKeys: readonly string[];
  readonly audit: AuditLog;
  /** The identity table's accounts. */
  readonly accounts: AccountStore;
  /** The zone's policy decisions (audited through `audit`). */
  readonly access: AccessControl;
  /**
   * Local mode: the zones' in-process back-channel logout queues, shared by every function of
   * the stack (the zone's oidc function delivers). On AWS each function that ends sessions
   * builds its zone's SQS queue from `config.backchannelQueueUrl` instead.
   */
  readonly backchannel?: BackchannelQueues;
  /**
   * Local mode: the stack's one outbox, shared by every function (reset codes, contact codes,
   * notices), shown at `/outbox`. On AWS messages go through the zone's queue (`mailQueueOf`).
   */
  readonly outbox?: OutboxNotifier;
}

/** Pieces a caller may supply instead of having them built (shared clients locally, fakes in tests). */
export type RuntimeOverrides = Partial<Omit<Runtime, 'config'>>;

/**
 * What a function reads at init besides the cookie keys: started together with them, so a
 * cold start waits for one round of reads (the secrets in one BatchGetItem, their KMS
 * decryptions and the public keys in parallel) rather than one round after another.
 */
export interface RuntimeWarmup {
  readonly secrets?: readonly SecretName[];
  readonly signers?: readonly KeyPurpose[];
}

/** Builds the runtime once per cold start (or once per zone in the local stack). */
export const createRuntime = async (
  config: AppConfig,
  overrides: RuntimeOverrides = {},
  warmup: RuntimeWarmup = {},
): Promise<Runtime> => {
  // On Lambda, before any client is built: each one is traced from its first call.
  await startTracing();
  const doc = overrides.doc ?? createDynamoClient({ endpoint: config.dynamodbEndpoint });
  const keyring =
    overrides.keyring ??
    (config.keys.kind === 'local'
      ? new LocalKeyring(config.keys.dir, { zone: config.zone })
      : new KmsKeyring(traced(new KMSClient({})), config.keys.keyIds));
  const secrets = overrides.secrets ?? secretStoreOf(config, doc);
  const mayRead = (name: SecretName) => config.keys.kind === 'local' || config.keys.secrets.includes(name);
  const mayReadCookieKeys = mayRead('cookie-keys');
  // Started, not awaited: whoever needs them awaits the same promises (a failure is theirs to see).
  for (const name of warmup.secrets ?? []) if (mayRead(name)) secrets.versions(name).catch(() => undefined);
  for (const purpose of warmup.signers ?? []) keyring.signer(purpose).catch(() => undefined);
  const cookieKeys = overrides.cookieKeys ?? (mayReadCookieKeys ? await secrets.versions('cookie-keys') : []);
  // On AWS every audit event is also a CloudWatch metric (the stack's alarms watch them).
  // Detection rules watch every append (docs/audit.md).
  const chains = new DynamoAuditLog(doc, config.tables.audit, { retention: config.auditRetention });
  const audit =
    overrides.audit ??
    new DetectingAuditLog(
      config.localMode ? chains : new MeteredAuditLog(chains, new PowertoolsMetricsSink()),
      doc,
      config.tables.audit,
    );
  const accounts = overrides.accounts ?? new AccountStore(doc, config.tables.identity);
  const access = overrides.access ?? new AccessControl(config.zone, audit);
  return {
    config,
    doc,
    keyring,
    secrets,
    cookieKeys,
    audit,
    accounts,
    access,
    ...(overrides.backchannel ? { backchannel: overrides.backchannel } : {}),
    ...(overrides.outbox ? { outbox: overrides.outbox } : {}),
  };
};

const secretStoreOf = (config: AppConfig, doc: DynamoDBDocumentClient): SecretStore => {
  if (config.keys.kind === 'local') return new LocalSecretStore(config.keys.dir);
  const { secretsKeyId, totpKeyId } = config.keys;
  return new KmsSecretStore(
    traced(new KMSClient({})),
    // A function without a key id may read no secret: KMS refuses the empty id.
    { secrets: secretsKeyId ?? '', totp: totpKeyId ?? '' },
    doc,
    config.tables.identity,
  );
};

/**
 * How a function other than oidc sends a person a message (a code, a notice) without waiting for
 * its delivery: locally into the stack's outbox, on AWS onto its zone's queue (a function with
 * `endsSessions` in infra/routes.ts may send to it), from which the zone's oidc function delivers
 * by email or SMS. A function with neither refuses to send, loudly.
 */
export const mailQueueOf = (
  runtime: Runtime,
  onFailure: (err: unknown) => void = () => undefined,
): MailQueue => {
  if (runtime.outbox) return new BackgroundMail(runtime.outbox, onFailure);
  const url = runtime.config.backchannelQueueUrl;
  if (!url)
    return {
      enqueue: async (message) => {
        if (message)
          throw new Error(`the ${runtime.config.zone} function has no queue to send messages through`);
      },
    };
  let sqs: Promise<import('@aws-sdk/client-sqs').SQSClient> | undefined;
  return new SqsMailQueue(() => {
    sqs ??= import('@aws-sdk/client-sqs').then(({ SQSClient }) => traced(new SQSClient({})));
    return sqs;
  }, url);
};

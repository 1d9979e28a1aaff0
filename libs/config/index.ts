import * as z from 'zod';
import { type RetentionDays, retentionFromEnv } from './audit-retention.ts';

export { DEFAULT_RETENTION, RetentionDays } from './audit-retention.ts';

/**
 * The three government network zones; a request's zone is the entry point it
 * arrived through. Declared once here: every other list of zones derives from this one.
 */
export const ZONES = ['public', 'extranet', 'intranet'] as const;
export const Zone = z.enum(ZONES);
export type Zone = z.infer<typeof Zone>;

/** Signing purposes: each has its own key so one can be rotated or revoked without the others. */
export const KeyPurpose = z.enum(['id-token', 'licence', 'status-list', 'audit-checkpoint']);
export type KeyPurpose = z.infer<typeof KeyPurpose>;
export const KEY_PURPOSES: readonly KeyPurpose[] = KeyPurpose.options;
/**
 * Purposes with a key per zone: each zone's issuer signs its ID and access tokens with its own
 * key, and each zone's APIs trust only that one, so a compromised function of one zone cannot
 * mint tokens another zone accepts. Licences, status lists and checkpoints name one issuer.
 */
export const ZONE_KEY_PURPOSES: readonly KeyPurpose[] = ['id-token'];
export const isZoneKey = (purpose: KeyPurpose): boolean => ZONE_KEY_PURPOSES.includes(purpose);

/**
 * The secrets yitong makes for itself, each readable only by the functions that need it:
 * cookie keys (the issuer and the portals), the pairwise subject salt (the issuer), each
 * portal's client secret (the portal and its zone's issuer) and the TOTP data key (the issuer).
 */
export const SecretName = z.enum([
  'cookie-keys',
  'pairwise-salt',
  'account-client-secret',
  'security-console-client-secret',
  'admin-console-client-secret',
  'totp-data-key',
  'reset-code-key',
  /** The key of contact codes' keyed hashes (a new email address or phone, libs/accounts ContactDetails). */
  'contact-code-key',
  /** The key of resident ID numbers' keyed hashes (libs/identity): never rotated in place. */
  'identity-hash-key',
]);
export type SecretName = z.infer<typeof SecretName>;

export interface TableNames {
  readonly identity: string;
  readonly licences: string;
  readonly audit: string;
}

export type KeySource =
  | { readonly kind: 'local'; readonly dir: string | undefined }
  | {
      readonly kind: 'kms';
      readonly keyIds: Partial<Record<KeyPurpose, string>>;
      /** The KMS keys under which secrets (cookie keys, salts, portal secrets) and the TOTP data key are made. */
      readonly secretsKeyId?: string;
      readonly totpKeyId?: string;
      /** The secrets this function may read (its role may decrypt only these). */
      readonly secrets: readonly SecretName[];
    };

/** Everything a function needs to know about where it runs, parsed once at cold start. */
export interface AppConfig {
  readonly zone: Zone;
  /** The zone's OIDC issuer: its public base URL, including any path prefix (e.g. an API stage). */
  readonly issuer: string;
  readonly tables: TableNames;
  readonly keys: KeySource;
  readonly dynamodbEndpoint: string | undefined;
  /** Sender address of account emails (password reset codes) on AWS. */
  readonly mailFrom?: string;
  /**
   * On AWS: where SMS come from (AWS End User Messaging, docs/operations.md "SMS"). Absent: no
   * SMS is sent and the account centre offers no phone number. Locally the outbox stands in.
   */
  readonly sms?: {
    readonly originationIdentity: string;
    readonly configurationSet?: string;
    readonly maxPrice?: string;
  };
  /** True only in `yitong start`: demo data and plain-HTTP loopback URLs are allowed. */
  readonly localMode: boolean;
  /**
   * The public base URL licences name as their issuer (`iss`), whichever zone issues them:
   * third parties verify on the internet. @default the zone's issuer
   */
  readonly licenceIssuer?: string;
  /**
   * Seconds a status list may be kept by verifiers and by each container (the lists' `ttl`):
   * the longest a revocation takes to show. @default 300 (the local twin's tests shorten it)
   */
  readonly statusListTtlSeconds?: number;
  /** On AWS: the zone's back-channel logout queue (the oidc function sends to and drains it). */
  readonly backchannelQueueUrl?: string;
  /** Days each audit retention class is kept. @default DEFAULT_RETENTION (access 180, security 1095) */
  readonly auditRetention?: RetentionDays;
  /** How often the audit checkpoint job runs: verification reports a newest checkpoint older than twice this. @default 900 */
  readonly auditCheckpointSeconds?: number;
  /**
   * The identity-source gateway (docs/identity.md: population and company registries). Absent:
   * remote proofing is not offered, and company registration waits for it.
   */
  readonly identitySource?: { readonly url: string; readonly timeoutMs: number };
  /** Seconds between asking to close an account and its deletion (the cooling-off). @default 14 days */
  readonly accountClosingSeconds?: number;
}

const nonEmpty = z.string().min(1);

/** The environment a deployed function gets from the stack. */
export const FunctionEnv = z.object({
  ZONE: Zone,
  ISSUER: z.url({ protocol: /^https?$/ }),
  TABLE_IDENTITY: nonEmpty,
  TABLE_LICENCES: nonEmpty,
  TABLE_AUDIT: nonEmpty,
  KMS_KEY_ID_TOKEN: nonEmpty.optional(),
  KMS_KEY_LICENCE: nonEmpty.optional(),
  KMS_KEY_STATUS_LIST: nonEmpty.optional(),
  KMS_KEY_AUDIT_CHECKPOINT: nonEmpty.optional(),
  KMS_KEY_SECRETS: nonEmpty.optional(),
  KMS_KEY_TOTP: nonEmpty.optional(),
  /** Comma-separated names of the secrets the function may read. */
  SECRETS: z
    .string()
    .default('')
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(SecretName)),
  DYNAMODB_ENDPOINT: z.url().optional(),
  MAIL_FROM: z.email().optional(),
  /** The ARN of the End User Messaging phone number, sender ID or pool SMS come from. */
  SMS_ORIGINATION_IDENTITY: z
    .string()
    .regex(/^arn:aws[\w-]*:sms-voice:/)
    .optional(),
  SMS_CONFIGURATION_SET: nonEmpty.optional(),
  /** US dollars, e.g. 0.10: the most one SMS may cost. */
  SMS_MAX_PRICE: z
    .string()
    .regex(/^\d{1,2}\.\d{2,5}$/)
    .optional(),
  LICENCE_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  BACKCHANNEL_QUEUE_URL: z.url().optional(),
  /** JSON such as {"access":180,"security":1095}. */
  AUDIT_RETENTION_DAYS: z.string().optional(),
  /** The identity-source gateway's base URL (docs/identity.md). */
  IDENTITY_SOURCE_URL: z.url({ protocol: /^https$/ }).optional(),
  IDENTITY_SOURCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5000),
  /** The cooling-off before a closed account is deleted, in seconds (at least a day on AWS). */
  ACCOUNT_CLOSING_SECONDS: z.coerce.number().int().min(86_400).optional(),
});
export type FunctionEnv = z.infer<typeof FunctionEnv>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses a deployed function's environment, failing fast with every problem named. */
export const configFromEnv = (env: NodeJS.ProcessEnv): AppConfig => {
  const parsed = FunctionEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid function environment: ${problems}`);
  }
  const e = parsed.data;
  return {
    zone: e.ZONE,
    issuer: e.ISSUER.replace(/\/$/, ''),
    tables: { identity: e.TABLE_IDENTITY, licences: e.TABLE_LICENCES, audit: e.TABLE_AUDIT },
    keys: {
      kind: 'kms',
      keyIds: {
        'id-token': e.KMS_KEY_ID_TOKEN,
        licence: e.KMS_KEY_LICENCE,
        'status-list': e.KMS_KEY_STATUS_LIST,
        'audit-checkpoint': e.KMS_KEY_AUDIT_CHECKPOINT,
      },
      secretsKeyId: e.KMS_KEY_SECRETS,
      totpKeyId: e.KMS_KEY_TOTP,
      secrets: e.SECRETS,
    },
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    mailFrom: e.MAIL_FROM,
    sms: e.SMS_ORIGINATION_IDENTITY
      ? {
          originationIdentity: e.SMS_ORIGINATION_IDENTITY,
          configurationSet: e.SMS_CONFIGURATION_SET,
          maxPrice: e.SMS_MAX_PRICE,
        }
      : undefined,
    localMode: false,
    licenceIssuer: e.LICENCE_ISSUER?.replace(/\/$/, ''),
    backchannelQueueUrl: e.BACKCHANNEL_QUEUE_URL,
    auditRetention: retentionFromEnv(e.AUDIT_RETENTION_DAYS),
    identitySource: e.IDENTITY_SOURCE_URL
      ? { url: e.IDENTITY_SOURCE_URL, timeoutMs: e.IDENTITY_SOURCE_TIMEOUT_MS }
      : undefined,
    accountClosingSeconds: e.ACCOUNT_CLOSING_SECONDS,
  };
};

/** The env variable that carries each purpose's KMS key id; the stack sets exactly these. */
export const KMS_KEY_ENV: Record<KeyPurpose, keyof FunctionEnv> = {
  'id-token': 'KMS_KEY_ID_TOKEN',
  licence: 'KMS_KEY_LICENCE',
  'status-list': 'KMS_KEY_STATUS_LIST',
  'audit-checkpoint': 'KMS_KEY_AUDIT_CHECKPOINT',
};

import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  isZoneKey,
  KEY_PURPOSES,
  type KeyPurpose,
  type SecretName,
  type Zone,
} from '../../libs/config/index.ts';

export interface SigningKeysProps {
  /** The zones that get their own ID and access token key. */
  readonly zones: readonly Zone[];
}

/** What the account may do to a key: administer it, read its public half — never use it. */
const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** A key policy that lets the account administer a key and nobody use it; uses are granted per role. */
const administrationWithoutUse = () =>
  new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'KeyAdministrationWithoutUse',
        principals: [new iam.AccountRootPrincipal()],
        actions: KEY_ADMIN_ACTIONS,
        resources: ['*'],
      }),
    ],
  });

/** The secret whose data key the TOTP key makes; the secrets key makes all the others. */
const TOTP_SECRET: SecretName = 'totp-data-key';

/**
 * yitong's keys in KMS, all retained when the stack goes: an ES256 signing key per purpose
 * (`alias/yitong-licence`, …) and, for ID and access tokens, one per zone
 * (`alias/yitong-id-token-<zone>`); and two symmetric keys that make yitong's own secrets
 * (cookie keys, pairwise salt, portal client secrets) and, on its own, the TOTP data key.
 *
 * The key policies let the account administer the keys and nobody use them: each use is
 * granted to one function's role, in its role policy and in the key policy.
 */
export class SigningKeys extends Construct {
  /** Signing keys by name (`licence`, `id-token-public`, …); see `signingKey`. */
  readonly signing: ReadonlyMap<string, kms.Key>;
  /**
   * Each secret is a data key whose encryption context names it; a function decrypts only the
   * names its role is granted.
   */
  readonly secrets: kms.Key;
  /** Makes and opens the TOTP data key alone (envelope encryption of TOTP secrets). */
  readonly totp: kms.Key;

  constructor(scope: Construct, id: string, props: SigningKeysProps) {
    super(scope, id);
    const signing = new Map<string, kms.Key>();
    for (const purpose of KEY_PURPOSES) {
      for (const zone of isZoneKey(purpose) ? props.zones : [undefined]) {
        const name = zone ? `${purpose}-${zone}` : purpose;
        signing.set(
          name,
          new kms.Key(this, `SigningKey-${name}`, {
            description: `yitong: signs ${purpose} artefacts${zone ? ` of the ${zone} zone` : ''} (ES256)`,
            keySpec: kms.KeySpec.ECC_NIST_P256,
            keyUsage: kms.KeyUsage.SIGN_VERIFY,
            alias: `alias/yitong-${name}`,
            removalPolicy: RemovalPolicy.RETAIN,
            policy: administrationWithoutUse(),
          }),
        );
      }
    }
    this.signing = signing;
    const secretKey = (keyId: string, description: string) =>
      new kms.Key(this, keyId, {
        description,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
        policy: administrationWithoutUse(),
      });
    this.secrets = secretKey(
      'SecretsKey',
      'yitong: makes and opens cookie keys, the pairwise salt and portal secrets',
    );
    this.totp = secretKey(
      'TotpKey',
      'yitong: makes and opens the TOTP data key (envelope encryption of TOTP secrets)',
    );
  }

  /** The key a function of `zone` signs `purpose` with: the zone's own for ID and access tokens. */
  signingKey(purpose: KeyPurpose, zone: Zone): kms.Key {
    return this.signing.get(isZoneKey(purpose) ? `${purpose}-${zone}` : purpose)!;
  }

  /** The key that makes and opens the named secret. */
  secretKey(name: SecretName): kms.Key {
    return name === TOTP_SECRET ? this.totp : this.secrets;
  }

  /**
   * Lets `role` sign with the key of `purpose` in `zone`: in its role policy and, under `sid`, in
   * the key policy, which names no one else.
   */
  grantSign(role: iam.IRole, purpose: KeyPurpose, zone: Zone, sid: string): void {
    const key = this.signingKey(purpose, zone);
    key.grant(role, 'kms:Sign');
    key.addToResourcePolicy(
      new iam.PolicyStatement({ sid, principals: [role], actions: ['kms:Sign'], resources: ['*'] }),
    );
  }

  /** Lets `grantee` read the public half of the key of `purpose` in `zone`, to verify what it signed. */
  grantPublicKey(grantee: iam.IGrantable, purpose: KeyPurpose, zone: Zone): iam.Grant {
    return this.signingKey(purpose, zone).grant(grantee, 'kms:GetPublicKey');
  }

  /**
   * Lets `role` make and open the named secrets, and no other (by encryption context): in its
   * role policy and, under `sid`, in the policy of each key that makes them.
   */
  grantSecrets(role: iam.IRole, names: readonly SecretName[], sid: string): void {
    for (const key of [this.secrets, this.totp]) {
      const own = names.filter((name) => this.secretKey(name) === key);
      if (!own.length) continue;
      // Encrypt: to take over a secret an older version kept in clear (KmsSecretStore).
      const actions = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'];
      const conditions = { StringEquals: { 'kms:EncryptionContext:yitong_secret': own } };
      iam.Grant.addToPrincipal({ grantee: role, actions, resourceArns: [key.keyArn], conditions });
      key.addToResourcePolicy(
        new iam.PolicyStatement({ sid, principals: [role], actions, resources: ['*'], conditions }),
      );
    }
  }
}

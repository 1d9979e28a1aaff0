import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { KMS_KEY_ENV, type Zone } from '../../libs/config/index.ts';
import { bundleFunction } from '../bundle.ts';
import { type FunctionDefinition, secretsOf, signsIn, tablesIn } from '../routes.ts';
import { AppFunction } from './app-function.ts';
import type { DataTables } from './data-tables.ts';
import type { SigningKeys } from './signing-keys.ts';

export interface ZoneFunctionProps {
  /** The function's entry in the route table (infra/routes.ts). */
  readonly definition: FunctionDefinition;
  /** The zone this copy serves. */
  readonly zone: Zone;
  /** The zone's issuer URL. */
  readonly issuer: string;
  /** The issuer licences name: the public zone's. */
  readonly licenceIssuer: string;
  readonly tables: DataTables;
  readonly keys: SigningKeys;
  /** Where the bundle is written. @default dist/functions */
  readonly bundleDir?: string;
  /**
   * Sender of account emails, for a definition that `sendsMail`.
   * @default none: the function sends no email
   */
  readonly mailFrom?: string;
  /**
   * Where SMS come from, for a definition that `sendsSms`; only a function that consumes its
   * zone's queue may send them. @default none: no SMS is sent or offered
   */
  readonly sms?: SmsSettings;
  /**
   * The zone's back-channel logout queue, for a definition with `backchannelQueue`: the function
   * sends to it and consumes it. @default none
   */
  readonly backchannel?: sqs.IQueue;
  /** The zone's back-channel logout queue, for a definition with `endsSessions`: sends only. @default none */
  readonly backchannelSender?: sqs.IQueue;
  /**
   * The identity-source gateway, for a definition that `asksIdentitySource` (docs/identity.md).
   * @default none: remote proofing and company registration are not offered
   */
  readonly identitySource?: IdentitySourceSettings;
  /** Days between closing an account and its deletion (the function that sweeps). @default 14 */
  readonly accountClosingDays?: number;
}

/** AWS End User Messaging: the origination identity SMS come from (docs/operations.md, "SMS"). */
export interface SmsSettings {
  /** The ARN of a phone number, sender ID or pool (`arn:aws:sms-voice:…:phone-number/…`). */
  readonly originationIdentity: string;
  /** A configuration set's name (delivery events, country rules). @default none */
  readonly configurationSet?: string;
  /** The most one SMS may cost, in US dollars (`0.10`). @default none: the account's spend limit only */
  readonly maxPrice?: string;
}

/** Where the population and company registries' gateway is, and how long to wait for it. */
export interface IdentitySourceSettings {
  /** An https URL (reached from the functions; put them in a VPC for a private gateway). */
  readonly url: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** The environment a function reads at cold start (libs/config): its zone, issuers, tables, keys. */
function environmentOf(props: ZoneFunctionProps): Record<string, string> {
  const { definition: def, zone, tables, keys } = props;
  const environment: Record<string, string> = {
    ZONE: zone,
    ISSUER: props.issuer,
    LICENCE_ISSUER: props.licenceIssuer,
    TABLE_IDENTITY: tables.identity.tableName,
    TABLE_LICENCES: tables.licences.tableName,
    TABLE_AUDIT: tables.audit.tableName,
  };
  for (const purpose of keyPurposesOf(def, zone)) {
    environment[KMS_KEY_ENV[purpose]] = keys.signingKey(purpose, zone).keyArn;
  }
  const secrets = secretsOf(def, zone);
  if (secrets.length) environment.SECRETS = secrets.join(',');
  if (secrets.some((name) => keys.secretKey(name) === keys.secrets)) {
    environment.KMS_KEY_SECRETS = keys.secrets.keyArn;
  }
  if (secrets.some((name) => keys.secretKey(name) === keys.totp)) environment.KMS_KEY_TOTP = keys.totp.keyArn;
  if (def.sendsMail && props.mailFrom) environment.MAIL_FROM = props.mailFrom;
  if (def.sendsSms && props.sms) {
    environment.SMS_ORIGINATION_IDENTITY = props.sms.originationIdentity;
    if (props.sms.configurationSet) environment.SMS_CONFIGURATION_SET = props.sms.configurationSet;
    if (props.sms.maxPrice) environment.SMS_MAX_PRICE = props.sms.maxPrice;
  }
  const queue = props.backchannel ?? props.backchannelSender;
  if (queue) environment.BACKCHANNEL_QUEUE_URL = queue.queueUrl;
  if (def.sweepsClosedAccounts && props.accountClosingDays)
    environment.ACCOUNT_CLOSING_SECONDS = String(Math.round(props.accountClosingDays * 86_400));
  if (def.asksIdentitySource && props.identitySource) {
    environment.IDENTITY_SOURCE_URL = props.identitySource.url;
    environment.IDENTITY_SOURCE_TIMEOUT_MS = String(props.identitySource.timeoutMs ?? 5000);
  }
  return environment;
}

/** The keys whose public half a function reads: those it signs with and those it verifies. */
const keyPurposesOf = (def: FunctionDefinition, zone: Zone) => [
  ...new Set([...signsIn(def, zone), ...def.reads]),
];

/**
 * One function of the route table deployed for one zone, with least privilege from its entry:
 * only the tables, keys and secrets it names, in the zone it serves.
 */
export class ZoneFunction extends AppFunction {
  constructor(scope: Construct, id: string, props: ZoneFunctionProps) {
    const { definition: def, zone, tables, keys } = props;
    super(scope, id, {
      codeDir: bundleFunction(def, props.bundleDir).dir,
      description: `yitong ${def.name} (${zone} zone)`,
      environment: environmentOf(props),
    });
    const role = this.fn.role!;
    if (props.backchannelSender && !props.backchannel) {
      props.backchannelSender.grantSendMessages(this.fn);
      tables.key.grantEncryptDecrypt(this.fn);
    }
    if (props.backchannel) {
      props.backchannel.grantSendMessages(this.fn);
      tables.key.grantEncryptDecrypt(this.fn);
      this.fn.addEventSource(
        new lambdaEvents.SqsEventSource(props.backchannel, { batchSize: 10, reportBatchItemFailures: true }),
      );
      Validations.of(this).acknowledge({
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason:
          "An SQS source: failed records return to the queue and, after five attempts, go to the queue's own dead-letter queue (its redrive policy), which alarms.",
      });
    }

    const access = tablesIn(def, zone);
    tables.grantData(this.fn, access);
    if (def.checksTokens && access.identity !== 'readWrite') tables.grantDpopProofRecording(this.fn);
    if (def.auditWriter) tables.grantAuditAppend(this.fn);
    if (def.auditSealer) tables.grantAuditSeal(this.fn);
    for (const purpose of signsIn(def, zone)) {
      keys.grantSign(role, purpose, zone, `Sign-${def.name}-${zone}`);
    }
    const secrets = secretsOf(def, zone);
    if (secrets.length) keys.grantSecrets(role, secrets, `Secrets-${def.name}-${zone}`);
    if (def.sendsMail && props.mailFrom) {
      const domain = props.mailFrom.split('@')[1]!;
      iam.Grant.addToPrincipal({
        grantee: this.fn,
        actions: ['ses:SendEmail'],
        resourceArns: [
          Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': props.mailFrom } },
      });
    }
    // Only the queue's consumer sends SMS, from the one origination identity (and configuration set).
    if (def.sendsSms && props.sms && props.backchannel) {
      iam.Grant.addToPrincipal({
        grantee: this.fn,
        actions: ['sms-voice:SendTextMessage'],
        resourceArns: [
          props.sms.originationIdentity,
          ...(props.sms.configurationSet
            ? [
                Stack.of(this).formatArn({
                  service: 'sms-voice',
                  resource: 'configuration-set',
                  resourceName: props.sms.configurationSet,
                }),
              ]
            : []),
        ],
      });
    }
    for (const purpose of keyPurposesOf(def, zone)) keys.grantPublicKey(this.fn, purpose, zone);

    const logicalId = (element: Construct) =>
      Stack.of(this).getLogicalId(element.node.defaultChild as CfnElement);
    for (const ack of [
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId(tables.identity)}.Arn>/index/*]`,
        reason: "Queries the identity table's own sparse indexes (uid, user code, grant); no other table.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId(tables.licences)}.Arn>/index/*]`,
        reason:
          "Queries the licences table's own holder index (a holder's licences, shares, receipts); no other table.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId(tables.audit)}.Arn>/index/*]`,
        reason:
          "Reads the audit table's own query indexes (actor, subject, client, type, month, event id); no other table.",
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason:
          'DynamoDB encryption with the customer-managed data key needs the ReEncrypt family on that one key.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'DynamoDB encryption with the customer-managed data key needs the GenerateDataKey family on that one key.',
      },
    ]) {
      Validations.of(role).acknowledge(ack);
    }
  }
}

import {
  Aws,
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { DETECTION_PREFIX } from '../libs/audit/detection.ts';
import { isZoneKey, KEY_PURPOSES, type KeyPurpose, KMS_KEY_ENV, type Zone } from '../libs/config/index.ts';
import { DPOP_PROOF_PREFIX } from '../libs/policy/dpop-proofs.ts';
import { AUDIT_INDEXES, TABLE_LIST, type TableName } from '../libs/store/index.ts';
import { bundleFunction } from './bundle.ts';
import { AppFunction } from './constructs/app-function.ts';
import { Observability } from './constructs/observability.ts';
import {
  BINARY_MEDIA_TYPES,
  FUNCTIONS,
  type FunctionDefinition,
  routesOf,
  secretsOf,
  signsIn,
  tablesIn,
  zonesOf,
} from './routes.ts';

export interface YitongStackProps extends StackProps {
  /** Source CIDRs admitted to the extranet API. @default none: the extranet admits nobody until configured */
  readonly extranetCidrs?: readonly string[];
  /** Public base URL per zone when a custom domain maps it. @default the API's execute-api URL and stage */
  readonly issuerUrls?: Partial<Record<Zone, string>>;
  /** Requests per 5 minutes per source address before the WAF blocks it. @default 1000 */
  readonly rateLimitPer5Min?: number;
  /** Where function bundles are written. @default dist/functions */
  readonly bundleDir?: string;
  /**
   * Sender of account emails (password reset codes), a verified SES identity. The oidc
   * functions may send only from its domain. @default none: no account email is sent
   */
  readonly mailFrom?: string;
  /**
   * Custom domains for the public and extranet APIs (the intranet is reached through its VPC
   * endpoint): the domain becomes the zone's issuer URL. On the extranet, `mtlsTruststoreUri`
   * (an s3:// URI of a PEM bundle) makes callers present a client certificate.
   * @default none: the execute-api URLs with stage /prod
   */
  readonly domains?: Partial<
    Record<
      'public' | 'extranet',
      { readonly name: string; readonly certificateArn: string; readonly mtlsTruststoreUri?: string }
    >
  >;
  /** Where alarm notifications go (an SNS email subscription). @default none: the topic only */
  readonly alarmEmail?: string;
  /**
   * Days the audit archive keeps each object under S3 Object Lock in compliance mode (WORM:
   * nobody, root included, can delete or overwrite it sooner). @default 1095, the security class
   */
  readonly auditArchiveDays?: number;
}

const STAGE = 'prod';
const ZONE_LIST: readonly Zone[] = ['public', 'extranet', 'intranet'];

/** What the account may do to a signing key: administer it, read its public half — never sign. */
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

/**
 * The whole of yitong on AWS: three tables, signing keys in KMS, the functions of the
 * route table deployed once per zone, one REST API per zone, and the operator's dashboard.
 */
export class YitongStack extends Stack {
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly apis: Record<Zone, apigateway.RestApi>;
  /**
   * Signing keys by alias name (`yitong-licence`, …): one per purpose, and for ID and access
   * tokens one per zone (`yitong-id-token-<zone>`). See signingKey.
   */
  readonly signingKeys: ReadonlyMap<string, kms.Key>;
  /**
   * Symmetric keys that make yitong's own secrets (cookie keys, pairwise salt, portal client
   * secrets) and, on its own, the TOTP data key. Each secret is a data key whose encryption
   * context names it; a function decrypts only the names its role is granted.
   */
  readonly secretKeys: { readonly secrets: kms.Key; readonly totp: kms.Key };
  readonly functions: Map<string, AppFunction> = new Map();
  readonly observability: Observability;
  private readonly deadLetterQueues: Array<{ name: string; queue: sqs.IQueue }> = [];
  /** The WORM archive of the audit trail (Object Lock, compliance mode). */
  auditArchive: s3.Bucket | undefined;

  constructor(scope: Construct, id: string, props: YitongStackProps = {}) {
    super(scope, id, props);

    const dataKey = new kms.Key(this, 'DataKey', {
      description: 'yitong: encrypts the identity, licences and audit tables',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.tables = Object.fromEntries(
      TABLE_LIST.map((def) => {
        const table = new dynamodb.Table(this, `${def.name[0]!.toUpperCase()}${def.name.slice(1)}Table`, {
          partitionKey: { name: def.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: def.sortKey, type: dynamodb.AttributeType.STRING },
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
          encryptionKey: dataKey,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          deletionProtection: true,
          timeToLiveAttribute: def.ttlAttribute,
          removalPolicy: RemovalPolicy.RETAIN,
          // The audit table streams every new event to the WORM archive (see auditJobs).
          ...(def.name === 'audit' ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
        });
        for (const index of def.indexes) {
          const attributeType = (name: string) =>
            def.attributes[name] === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING;
          table.addGlobalSecondaryIndex({
            indexName: index.name,
            partitionKey: { name: index.partitionKey, type: attributeType(index.partitionKey) },
            sortKey: index.sortKey ? { name: index.sortKey, type: attributeType(index.sortKey) } : undefined,
            projectionType:
              index.projection === 'ALL' ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
          });
        }
        return [def.name, table];
      }),
    ) as Record<TableName, dynamodb.Table>;

    const keys = new Map<string, kms.Key>();
    for (const purpose of KEY_PURPOSES) {
      for (const zone of isZoneKey(purpose) ? ZONE_LIST : [undefined]) {
        const name = zone ? `${purpose}-${zone}` : purpose;
        keys.set(
          name,
          new kms.Key(this, `SigningKey-${name}`, {
            description: `yitong: signs ${purpose} artefacts${zone ? ` of the ${zone} zone` : ''} (ES256)`,
            keySpec: kms.KeySpec.ECC_NIST_P256,
            keyUsage: kms.KeyUsage.SIGN_VERIFY,
            alias: `alias/yitong-${name}`,
            removalPolicy: RemovalPolicy.RETAIN,
            // The account administers the key but cannot sign with it: kms:Sign is granted in the
            // key policy to the roles of the functions that sign this purpose, and to no one else.
            policy: administrationWithoutUse(),
          }),
        );
      }
    }
    this.signingKeys = keys;

    const secretKey = (id: string, description: string) =>
      new kms.Key(this, id, {
        description,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
        // As with the signing keys: the account administers the key; only the roles the key
        // policy names (per secret, by encryption context) may make or open data keys with it.
        policy: administrationWithoutUse(),
      });
    this.secretKeys = {
      secrets: secretKey(
        'SecretsKey',
        'yitong: makes and opens cookie keys, the pairwise salt and portal secrets',
      ),
      totp: secretKey(
        'TotpKey',
        'yitong: makes and opens the TOTP data key (envelope encryption of TOTP secrets)',
      ),
    };

    const { vpc, endpoint } = this.intranetNetwork();
    const webAcl = this.webAcl(props.rateLimitPer5Min ?? 1000);

    this.apis = Object.fromEntries(
      ZONE_LIST.map((zone) => [
        zone,
        this.zoneApi(
          zone,
          props.extranetCidrs ?? [],
          endpoint,
          // A custom domain (with mTLS on the extranet) is then the only way in.
          zone !== 'intranet' && Boolean(props.domains?.[zone]),
        ),
      ]),
    ) as Record<Zone, apigateway.RestApi>;

    for (const zone of ZONE_LIST) {
      new wafv2.CfnWebACLAssociation(this, `WebAclAssociation-${zone}`, {
        resourceArn: this.apis[zone].deploymentStage.stageArn,
        webAclArn: webAcl.attrArn,
      });
    }

    // A custom domain becomes the zone's issuer; otherwise the stage URL, built from the API id
    // alone (the deployed stage URL would make each function depend on its own deployment).
    for (const zone of ['public', 'extranet'] as const) {
      const domain = props.domains?.[zone];
      if (domain) this.customDomain(zone, domain);
    }
    const issuerOf = (zone: Zone) =>
      props.issuerUrls?.[zone] ??
      (zone !== 'intranet' && props.domains?.[zone] ? `https://${props.domains[zone]!.name}` : undefined) ??
      `https://${this.apis[zone].restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${STAGE}`;
    for (const fn of FUNCTIONS) {
      for (const zone of zonesOf(fn)) {
        this.functions.set(
          `${fn.name}-${zone}`,
          this.zoneFunction(
            fn,
            zone,
            issuerOf(zone),
            issuerOf('public'),
            dataKey,
            props.bundleDir,
            props.mailFrom,
          ),
        );
      }
    }

    for (const fn of FUNCTIONS.filter((f) => f.jobs)) {
      this.auditJobs(this.functions.get(`${fn.name}-${fn.jobs}`)!, dataKey, props.auditArchiveDays ?? 1095);
    }

    for (const zone of ZONE_LIST) {
      const api = this.apis[zone];
      for (const { fn, route } of routesOf(zone)) {
        // One invoke permission per function and API, not one per method (the stack's 500-resource limit).
        const integration = new apigateway.LambdaIntegration(this.functions.get(`${fn.name}-${zone}`)!.fn, {
          scopePermissionToMethod: false,
        });
        api.root.resourceForPath(route.path).addMethod(route.method, integration);
      }
      // The custom domain when there is one: the execute-api URL is then disabled.
      new CfnOutput(this, `Issuer-${zone}`, { value: issuerOf(zone) });
    }
    for (const fn of FUNCTIONS.filter((f) => f.attachable)) {
      for (const zone of fn.attachable!) {
        new CfnOutput(this, `Attachable-${fn.name}-${zone}`, {
          value: this.functions.get(`${fn.name}-${zone}`)!.fn.functionArn,
          description: `Attach to a department API of the ${zone} zone as a REQUEST authorizer (see docs/departments.md)`,
        });
      }
    }
    new CfnOutput(this, 'IntranetVpcId', { value: vpc.vpcId });

    this.observability = new Observability(this, 'Observability', {
      apis: this.apis,
      functions: this.functions,
      deadLetterQueues: this.deadLetterQueues,
      zones: ZONE_LIST,
      key: dataKey,
      alarmEmail: props.alarmEmail,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
  }

  /** The key a function of `zone` uses for `purpose`: the zone's own for ID and access tokens. */
  signingKey(purpose: KeyPurpose, zone: Zone): kms.Key {
    return this.signingKeys.get(isZoneKey(purpose) ? `${purpose}-${zone}` : purpose)!;
  }

  private zoneFunction(
    def: FunctionDefinition,
    zone: Zone,
    issuer: string,
    licenceIssuer: string,
    dataKey: kms.Key,
    bundleDir: string | undefined,
    mailFrom: string | undefined,
  ): AppFunction {
    const signs = signsIn(def, zone);
    const tables = tablesIn(def, zone);
    const keyPurposes = [...new Set([...signs, ...def.reads])];
    const environment: Record<string, string> = {
      ZONE: zone,
      ISSUER: issuer,
      LICENCE_ISSUER: licenceIssuer,
      TABLE_IDENTITY: this.tables.identity.tableName,
      TABLE_LICENCES: this.tables.licences.tableName,
      TABLE_AUDIT: this.tables.audit.tableName,
    };
    for (const purpose of keyPurposes) {
      environment[KMS_KEY_ENV[purpose]] = this.signingKey(purpose, zone).keyArn;
    }
    const secrets = secretsOf(def, zone);
    const totpSecrets = secrets.filter((name) => name === 'totp-data-key');
    const otherSecrets = secrets.filter((name) => name !== 'totp-data-key');
    if (secrets.length) environment.SECRETS = secrets.join(',');
    if (otherSecrets.length) environment.KMS_KEY_SECRETS = this.secretKeys.secrets.keyArn;
    if (totpSecrets.length) environment.KMS_KEY_TOTP = this.secretKeys.totp.keyArn;
    if (def.sendsMail && mailFrom) environment.MAIL_FROM = mailFrom;

    const queue = def.backchannelQueue ? this.backchannelQueue(zone, dataKey) : undefined;
    if (queue) environment.BACKCHANNEL_QUEUE_URL = queue.queueUrl;

    const fn = new AppFunction(this, `Fn-${def.name}-${zone}`, {
      codeDir: bundleFunction(def, bundleDir).dir,
      description: `yitong ${def.name} (${zone} zone)`,
      environment,
    });
    if (queue) {
      queue.grantSendMessages(fn.fn);
      dataKey.grantEncryptDecrypt(fn.fn);
      fn.fn.addEventSource(
        new lambdaEvents.SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }),
      );
      Validations.of(fn).acknowledge({
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason:
          "An SQS source: failed records return to the queue and, after five attempts, go to the queue's own dead-letter queue (its redrive policy), which alarms.",
      });
    }

    // Least privilege from the route table: only the tables, keys and secret it names.
    for (const [table, access] of Object.entries(tables) as Array<[TableName, 'read' | 'readWrite']>) {
      if (access === 'readWrite') this.tables[table].grantReadWriteData(fn.fn);
      else this.tables[table].grantReadData(fn.fn);
    }
    if (def.checksTokens && tables.identity !== 'readWrite') {
      // Each DPoP proof is recorded once (a conditional put): only under dpop# keys.
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [this.tables.identity.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DPOP_PROOF_PREFIX}*`] } },
        }),
      );
    }
    if (def.auditWriter) {
      // Append-only: it may add events and read the chain tip, never update or delete. The one
      // update it may make is to detection counters, whose partition keys start `detect#`.
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:GetItem'],
          // The event-id index: a retried append with its own id finds the event it wrote.
          resources: [
            this.tables.audit.tableArn,
            `${this.tables.audit.tableArn}/index/${AUDIT_INDEXES.byEventId}`,
          ],
        }),
      );
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [this.tables.audit.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DETECTION_PREFIX}*`] } },
        }),
      );
      dataKey.grantEncryptDecrypt(fn.fn);
    }
    for (const purpose of signs) {
      this.signingKey(purpose, zone).grant(fn.fn, 'kms:Sign');
      this.signingKey(purpose, zone).addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Sign-${def.name}-${zone}`,
          principals: [fn.fn.role!],
          actions: ['kms:Sign'],
          resources: ['*'],
        }),
      );
    }
    for (const [key, names] of [
      [this.secretKeys.secrets, otherSecrets],
      [this.secretKeys.totp, totpSecrets],
    ] as const) {
      if (!names.length) continue;
      const use = {
        // Encrypt: to take over a secret an older version kept in clear (KmsSecretStore).
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'],
        conditions: { StringEquals: { 'kms:EncryptionContext:yitong_secret': [...names] } },
      };
      fn.fn.addToRolePolicy(new iam.PolicyStatement({ ...use, resources: [key.keyArn] }));
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          ...use,
          sid: `Secrets-${def.name}-${zone}`,
          principals: [fn.fn.role!],
          resources: ['*'],
        }),
      );
    }
    if (def.sendsMail && mailFrom) {
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            this.formatArn({ service: 'ses', resource: 'identity', resourceName: mailFrom.split('@')[1]! }),
          ],
          conditions: { StringEquals: { 'ses:FromAddress': mailFrom } },
        }),
      );
    }
    for (const purpose of keyPurposes) this.signingKey(purpose, zone).grant(fn.fn, 'kms:GetPublicKey');
    const role = fn.fn.role!;
    for (const ack of [
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.tables.identity.node.defaultChild as CfnElement)}.Arn>/index/*]`,
        reason: "Queries the identity table's own sparse indexes (uid, user code, grant); no other table.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.tables.licences.node.defaultChild as CfnElement)}.Arn>/index/*]`,
        reason:
          "Queries the licences table's own holder index (a holder's licences, shares, receipts); no other table.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.tables.audit.node.defaultChild as CfnElement)}.Arn>/index/*]`,
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
    return fn;
  }

  private zoneApi(
    zone: Zone,
    extranetCidrs: readonly string[],
    endpoint: ec2.InterfaceVpcEndpoint,
    behindCustomDomain: boolean,
  ): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, `AccessLogs-${zone}`, {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const invoke = (effect: iam.Effect, conditions?: Record<string, unknown>) =>
      new iam.PolicyStatement({
        effect,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions,
      });
    let policy: iam.PolicyDocument | undefined;
    if (zone === 'extranet') {
      policy = new iam.PolicyDocument({
        statements: extranetCidrs.length
          ? [
              invoke(iam.Effect.ALLOW),
              invoke(iam.Effect.DENY, { NotIpAddress: { 'aws:SourceIp': [...extranetCidrs] } }),
            ]
          : [invoke(iam.Effect.DENY)],
      });
    } else if (zone === 'intranet') {
      policy = new iam.PolicyDocument({
        statements: [
          invoke(iam.Effect.ALLOW),
          invoke(iam.Effect.DENY, { StringNotEquals: { 'aws:SourceVpce': endpoint.vpcEndpointId } }),
        ],
      });
    }
    const api = new apigateway.RestApi(this, `Api-${zone}`, {
      restApiName: `yitong-${zone}`,
      description: `yitong ${zone} zone entry point`,
      endpointConfiguration:
        zone === 'intranet'
          ? { types: [apigateway.EndpointType.PRIVATE], vpcEndpoints: [endpoint] }
          : { types: [apigateway.EndpointType.REGIONAL] },
      policy,
      disableExecuteApiEndpoint: behindCustomDomain,
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: STAGE,
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        throttlingBurstLimit: 500,
        throttlingRateLimit: 1000,
      },
    });
    for (const ack of [
      {
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'OIDC endpoints authenticate callers by protocol (client authentication, PKCE, DPoP); department APIs use the yitong authorizer.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason: 'yitong is itself the identity provider; Cognito is not used.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG2',
        reason:
          'Every function validates its input with zod and answers problem+json; request validators would duplicate that.',
      },
    ]) {
      Validations.of(api).acknowledge(ack);
    }
    Validations.of(api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'API Gateway writes its execution logs through the one account-level role AWS defines for that.',
    });
    return api;
  }

  /** The zone's back-channel logout queue: five attempts a minute apart, then the dead-letter queue. */
  /**
   * The audit trail's background jobs: a signed checkpoint every quarter hour, and every new
   * event and checkpoint copied from the table's stream to a bucket under Object Lock.
   */
  private auditJobs(jobs: AppFunction, dataKey: kms.Key, archiveDays: number): void {
    const accessLogs = new s3.Bucket(this, 'AuditArchiveAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: "This is the archive's access-log bucket; logging it to itself would loop.",
    });
    this.auditArchive = new s3.Bucket(this, 'AuditArchive', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(archiveDays)),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit-archive/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    jobs.fn.addEnvironment('AUDIT_ARCHIVE_BUCKET', this.auditArchive.bucketName);
    // Put new objects only: no retention changes, no legal holds, no deletes.
    jobs.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.auditArchive.arnForObjects('audit/*')],
      }),
    );
    dataKey.grantEncrypt(jobs.fn);
    Validations.of(jobs.fn.role!).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.auditArchive.node.defaultChild as CfnElement)}.Arn>/audit/*]`,
      reason:
        'Writes new archive objects under audit/, named by the hash of their content; nothing else in the bucket.',
    });

    const deadLetters = new sqs.Queue(this, 'AuditArchiveDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['Serverless::Serverless-SQSRedrivePolicy', 'AwsSolutions::AwsSolutions-SQS3']) {
      Validations.of(deadLetters).acknowledge({
        id,
        reason:
          'This is the dead-letter queue itself: a stream batch or schedule run the audit jobs could not take; its depth alarms and an operator replays it.',
      });
    }
    this.deadLetterQueues.push({ name: 'audit-archive', queue: deadLetters });
    const inserted = (prefix: string) =>
      lambda.FilterCriteria.filter({
        eventName: lambda.FilterRule.isEqual('INSERT'),
        dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(prefix) } } },
      });
    jobs.fn.addEventSource(
      new lambdaEvents.DynamoEventSource(this.tables.audit, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 500,
        maxBatchingWindow: Duration.seconds(30),
        bisectBatchOnError: true,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        onFailure: new lambdaEvents.SqsDlq(deadLetters),
        filters: [inserted('chain#'), inserted('checkpoint')],
      }),
    );
    dataKey.grantDecrypt(jobs.fn);
    new events.Rule(this, 'AuditCheckpointSchedule', {
      description: 'yitong: sign a checkpoint of every audit chain head',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [
        new eventsTargets.LambdaFunction(jobs.fn, { retryAttempts: 2, deadLetterQueue: deadLetters }),
      ],
    });
    new CfnOutput(this, 'AuditArchiveBucket', { value: this.auditArchive.bucketName });
  }

  private backchannelQueue(zone: Zone, dataKey: kms.Key): sqs.Queue {
    const deadLetters = new sqs.Queue(this, `BackchannelDeadLetters-${zone}`, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue itself; its depth raises an alarm and an operator replays or drops it.',
    });
    this.deadLetterQueues.push({ name: `backchannel-${zone}`, queue: deadLetters });
    return new sqs.Queue(this, `Backchannel-${zone}`, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      // Six times the function timeout, as Lambda's SQS integration advises; also the retry spacing.
      visibilityTimeout: Duration.seconds(60),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
  }

  private customDomain(
    zone: 'public' | 'extranet',
    domain: { readonly name: string; readonly certificateArn: string; readonly mtlsTruststoreUri?: string },
  ): void {
    const truststore = domain.mtlsTruststoreUri
      ? /^s3:\/\/([^/]+)\/(.+)$/.exec(domain.mtlsTruststoreUri)
      : null;
    if (domain.mtlsTruststoreUri && (!truststore || zone !== 'extranet')) {
      throw new Error('mtlsTruststoreUri is an s3://bucket/key URI, and only for the extranet domain');
    }
    const name = new apigateway.DomainName(this, `Domain-${zone}`, {
      domainName: domain.name,
      certificate: acm.Certificate.fromCertificateArn(this, `Certificate-${zone}`, domain.certificateArn),
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      ...(truststore
        ? {
            mtls: {
              bucket: s3.Bucket.fromBucketName(this, `Truststore-${zone}`, truststore[1]!),
              key: truststore[2]!,
            },
          }
        : {}),
    });
    name.addBasePathMapping(this.apis[zone], { stage: this.apis[zone].deploymentStage });
    new CfnOutput(this, `DomainTarget-${zone}`, {
      value: name.domainNameAliasDomainName,
      description: `Point ${domain.name} (CNAME or alias) here`,
    });
  }

  private intranetNetwork(): { vpc: ec2.Vpc; endpoint: ec2.InterfaceVpcEndpoint } {
    const vpc = new ec2.Vpc(this, 'IntranetVpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
    });
    const endpoint = vpc.addInterfaceEndpoint('ExecuteApi', {
      service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
      privateDnsEnabled: true,
      open: false,
    });
    // HTTPS from inside the VPC only; the intranet reaches the VPC through the agency's own links.
    endpoint.connections.allowFrom(
      ec2.Peer.ipv4(vpc.vpcCidrBlock),
      ec2.Port.tcp(443),
      'HTTPS from the intranet VPC',
    );
    Validations.of(endpoint).acknowledge({
      id: 'AwsSolutions::AwsSolutions-EC23',
      reason:
        "The only ingress is HTTPS from the VPC's own CIDR (a token cdk-nag cannot resolve), never 0.0.0.0/0.",
    });
    return { vpc, endpoint };
  }

  private webAcl(limit: number): wafv2.CfnWebACL {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('yitong'),
      rules: [
        {
          name: 'rate-per-source',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('yitong-rate'),
        },
        {
          name: 'aws-common',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' },
          },
          visibilityConfig: visibility('yitong-common'),
        },
        {
          name: 'aws-known-bad-inputs',
          priority: 2,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
          visibilityConfig: visibility('yitong-bad-inputs'),
        },
      ],
    });
  }
}

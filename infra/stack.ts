import { type CfnElement, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { type KeyPurpose, ZONES, type Zone } from '../libs/config/index.ts';
import type { TableName } from '../libs/store/index.ts';
import { ApiFirewall } from './constructs/api-firewall.ts';
import type { AppFunction } from './constructs/app-function.ts';
import { AuditArchive } from './constructs/audit-archive.ts';
import { BackchannelQueue } from './constructs/backchannel-queue.ts';
import { DataTables } from './constructs/data-tables.ts';
import { addIntranetNetwork } from './constructs/intranet-network.ts';
import { logicalIdOutsideGroups } from './constructs/logical-ids.ts';
import { Observability } from './constructs/observability.ts';
import { SigningKeys } from './constructs/signing-keys.ts';
import { ZoneApi, type ZoneDomain } from './constructs/zone-api.ts';
import { type IdentitySourceSettings, type SmsSettings, ZoneFunction } from './constructs/zone-function.ts';
import { endsSessionsIn, FUNCTIONS, routesOf, zonesOf } from './routes.ts';

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
   * SMS (phone verification codes, reset codes and notices to a verified phone) through AWS End
   * User Messaging, from this origination identity; only the oidc functions may send.
   * @default none: no SMS is sent and the account centre offers no phone number
   */
  readonly sms?: SmsSettings;
  /**
   * Custom domains for the public and extranet APIs (the intranet is reached through its VPC
   * endpoint): the domain becomes the zone's issuer URL. On the extranet, `mtlsTruststoreUri`
   * (an s3:// URI of a PEM bundle) makes callers present a client certificate.
   * @default none: the execute-api URLs with stage /prod
   */
  readonly domains?: Partial<Record<'public' | 'extranet', ZoneDomain>>;
  /** Where alarm notifications go (an SNS email subscription). @default none: the topic only */
  readonly alarmEmail?: string;
  /**
   * Days the audit archive keeps each object under S3 Object Lock in compliance mode (WORM:
   * nobody, root included, can delete or overwrite it sooner). @default 1095, the security class
   */
  readonly auditArchiveDays?: number;
  /**
   * The identity-source gateway (population and company registries; contract in
   * docs/identity.md). @default none: remote proofing and company registration are not offered
   */
  readonly identitySource?: IdentitySourceSettings;
  /** Days of the cooling-off between closing an account and its deletion (docs/account.md). @default 14 */
  readonly accountClosingDays?: number;
}

/**
 * The constructs that group resources this stack deployed before they existed: their ids are
 * left out of the logical ids under them, so the deployed keys, APIs and queues are updated in
 * place rather than replaced (see logicalIdOutsideGroups). Their children keep the ids they had
 * on the stack (`AccessLogs-public` inside the public ZoneApi).
 */
const GROUPS = [SigningKeys, ApiFirewall, ZoneApi, BackchannelQueue, AuditArchive];
const isGroup = (scope: IConstruct) => GROUPS.some((group) => scope instanceof group);

/**
 * The whole of yitong on AWS: three tables, signing keys in KMS, the functions of the
 * route table deployed once per zone, one REST API per zone, and the operator's dashboard.
 */
export class YitongStack extends Stack {
  readonly dataTables: DataTables;
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;
  readonly keys: SigningKeys;
  /**
   * Signing keys by name (`licence`, …): one per purpose, and for ID and access tokens one per
   * zone (`id-token-<zone>`); aliased `alias/yitong-<name>`. See signingKey.
   */
  readonly signingKeys: ReadonlyMap<string, kms.Key>;
  /**
   * Symmetric keys that make yitong's own secrets (cookie keys, pairwise salt, portal client
   * secrets) and, on its own, the TOTP data key. Each secret is a data key whose encryption
   * context names it; a function decrypts only the names its role is granted.
   */
  readonly secretKeys: { readonly secrets: kms.Key; readonly totp: kms.Key };
  readonly zoneApis: Readonly<Record<Zone, ZoneApi>>;
  readonly apis: Readonly<Record<Zone, apigateway.RestApi>>;
  /** Every function by `<name>-<zone>`. */
  readonly functions: Map<string, AppFunction> = new Map();
  /** The WORM archive of the audit trail, fed by the audit jobs. */
  readonly auditArchive?: AuditArchive;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: YitongStackProps = {}) {
    super(scope, id, props);

    // `Default`, an id CDK itself leaves out of every path it hashes, rather than a group: the
    // tables and their key keep their logical ids, and the audit stream's event source mapping,
    // whose id CDK derives from the table's path, keeps its own.
    this.dataTables = new DataTables(this, 'Default');
    this.tables = this.dataTables.byName;
    const dataKey = this.dataTables.key;
    this.keys = new SigningKeys(this, 'Keys', { zones: ZONES });
    this.signingKeys = this.keys.signing;
    this.secretKeys = { secrets: this.keys.secrets, totp: this.keys.totp };

    const intranet = addIntranetNetwork(this);
    const firewall = new ApiFirewall(this, 'Firewall', { rateLimitPer5Min: props.rateLimitPer5Min });
    this.zoneApis = Object.fromEntries(
      ZONES.map((zone) => [
        zone,
        new ZoneApi(this, `Api-${zone}`, {
          zone,
          webAclArn: firewall.webAcl.attrArn,
          intranetEndpoint: zone === 'intranet' ? intranet.endpoint : undefined,
          extranetCidrs: props.extranetCidrs,
          domain: zone === 'intranet' ? undefined : props.domains?.[zone],
          issuerUrl: props.issuerUrls?.[zone],
        }),
      ]),
    ) as Record<Zone, ZoneApi>;
    this.apis = Object.fromEntries(ZONES.map((zone) => [zone, this.zoneApis[zone].api])) as Record<
      Zone,
      apigateway.RestApi
    >;

    const deadLetterQueues: Array<{ name: string; queue: sqs.IQueue }> = [];
    const backchannelQueues = new Map<Zone, sqs.IQueue>();
    // The queues first: a function that ends sessions sends to its zone's.
    for (const def of [...FUNCTIONS].sort(
      (a, b) => Number(b.backchannelQueue ?? false) - Number(a.backchannelQueue ?? false),
    )) {
      for (const zone of zonesOf(def)) {
        const backchannel = def.backchannelQueue
          ? new BackchannelQueue(this, `Backchannel-${zone}`, { zone, key: dataKey })
          : undefined;
        if (backchannel) {
          deadLetterQueues.push({ name: `backchannel-${zone}`, queue: backchannel.deadLetters });
          backchannelQueues.set(zone, backchannel.queue);
        }
        this.functions.set(
          `${def.name}-${zone}`,
          new ZoneFunction(this, `Fn-${def.name}-${zone}`, {
            definition: def,
            zone,
            issuer: this.zoneApis[zone].issuer,
            licenceIssuer: this.zoneApis.public.issuer,
            tables: this.dataTables,
            keys: this.keys,
            bundleDir: props.bundleDir,
            mailFrom: props.mailFrom,
            sms: props.sms,
            backchannel: backchannel?.queue,
            identitySource: props.identitySource,
            accountClosingDays: props.accountClosingDays,
            ...(endsSessionsIn(def, zone) && backchannelQueues.get(zone)
              ? { backchannelSender: backchannelQueues.get(zone) }
              : {}),
          }),
        );
      }
    }

    const jobsDef = FUNCTIONS.find((def) => def.jobs);
    if (jobsDef) {
      const jobs = this.functions.get(`${jobsDef.name}-${jobsDef.jobs}`)!.fn;
      this.auditArchive = new AuditArchive(this, 'AuditArchive', {
        jobs,
        table: this.tables.audit,
        key: dataKey,
        retentionDays: props.auditArchiveDays,
      });
      deadLetterQueues.push({ name: 'audit-archive', queue: this.auditArchive.deadLetters });
      // Failed checkpoint runs join the archive's failed stream batches: one queue to watch.
      new events.Rule(this, 'AuditCheckpointSchedule', {
        description: 'yitong: sign a checkpoint of every audit chain head',
        schedule: events.Schedule.rate(Duration.minutes(15)),
        targets: [
          new eventsTargets.LambdaFunction(jobs, {
            retryAttempts: 2,
            deadLetterQueue: this.auditArchive.deadLetters,
          }),
        ],
      });
    }

    // Closed accounts are deleted once their cooling-off ends: an hourly sweep (docs/operations.md).
    for (const def of FUNCTIONS.filter((d) => d.sweepsClosedAccounts)) {
      const sweepDeadLetters = new sqs.Queue(this, 'AccountClosingSweepDeadLetters', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: dataKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      for (const id of ['Serverless::Serverless-SQSRedrivePolicy', 'AwsSolutions::AwsSolutions-SQS3'])
        Validations.of(sweepDeadLetters).acknowledge({
          id,
          reason:
            'This is the dead-letter queue itself: a sweep run that failed three times; its depth alarms, and the next hourly run finishes what it left.',
        });
      deadLetterQueues.push({ name: 'account-closing-sweep', queue: sweepDeadLetters });
      new events.Rule(this, 'AccountClosingSweep', {
        description: 'yitong: delete closed accounts whose cooling-off has ended',
        schedule: events.Schedule.rate(Duration.hours(1)),
        targets: [
          new eventsTargets.LambdaFunction(
            this.functions.get(`${def.name}-${def.sweepsClosedAccounts}`)!.fn,
            { retryAttempts: 2, deadLetterQueue: sweepDeadLetters },
          ),
        ],
      });
    }

    for (const zone of ZONES) {
      for (const { fn, route } of routesOf(zone)) {
        this.zoneApis[zone].addRoute(route, this.functions.get(`${fn.name}-${zone}`)!.fn);
      }
    }
    for (const def of FUNCTIONS) {
      for (const zone of def.attachable ?? []) {
        new CfnOutput(this, `Attachable-${def.name}-${zone}`, {
          value: this.functions.get(`${def.name}-${zone}`)!.fn.functionArn,
          description: `Attach to a department API of the ${zone} zone as a REQUEST authorizer (see docs/departments.md)`,
        });
      }
    }

    this.observability = new Observability(this, 'Observability', {
      apis: this.apis,
      functions: this.functions,
      deadLetterQueues,
      zones: ZONES,
      key: dataKey,
      alarmEmail: props.alarmEmail,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
  }

  /** The key a function of `zone` uses for `purpose`: the zone's own for ID and access tokens. */
  signingKey(purpose: KeyPurpose, zone: Zone): kms.Key {
    return this.keys.signingKey(purpose, zone);
  }

  protected override allocateLogicalId(element: CfnElement): string {
    return logicalIdOutsideGroups(element, this, isGroup, super.allocateLogicalId(element));
  }
}

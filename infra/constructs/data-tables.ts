import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  CHECKPOINT_PARTITION,
  DETECTION_ATTRIBUTES,
  DETECTION_PREFIX,
  EVENT_PARTITIONS,
  SEAL_PREFIX,
} from '../../libs/audit/index.ts';
import { DPOP_PROOF_PREFIX } from '../../libs/policy/index.ts';
import { AUDIT_INDEXES, TABLE_LIST, type TableName } from '../../libs/store/index.ts';

/** What a function may do to a table: read it, or read and write it. */
export type TableAccess = 'read' | 'readWrite';

/**
 * yitong's three tables (identity, licences, audit) from the shared definitions in libs/store,
 * and the customer-managed key that encrypts them. Every table has point-in-time recovery, TTL
 * and deletion protection, and is retained when the stack goes; the audit table streams each
 * new event to the audit archive.
 */
export class DataTables extends Construct {
  /**
   * Encrypts the tables; the stack also encrypts its queues, alarm topic and audit archive
   * with it.
   */
  readonly key: kms.Key;
  readonly identity: dynamodb.Table;
  readonly licences: dynamodb.Table;
  readonly audit: dynamodb.Table;
  /** The three tables by name. */
  readonly byName: Readonly<Record<TableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'DataKey', {
      description: 'yitong: encrypts the identity, licences and audit tables',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.byName = Object.fromEntries(
      TABLE_LIST.map((def) => {
        const table = new dynamodb.Table(this, `${def.name[0]!.toUpperCase()}${def.name.slice(1)}Table`, {
          partitionKey: { name: def.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: def.sortKey, type: dynamodb.AttributeType.STRING },
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
          encryptionKey: this.key,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          deletionProtection: true,
          timeToLiveAttribute: def.ttlAttribute,
          removalPolicy: RemovalPolicy.RETAIN,
          // The audit table streams every change, with both images, to the audit jobs: the sealer,
          // the WORM archive and the alert on any change or removal (see AuditArchive).
          ...(def.name === 'audit' ? { stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES } : {}),
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
    this.identity = this.byName.identity;
    this.licences = this.byName.licences;
    this.audit = this.byName.audit;
  }

  /** Grants each named table's data to `grantee`: read, or read and write. */
  grantData(grantee: iam.IGrantable, access: Partial<Record<TableName, TableAccess>>): void {
    for (const [table, level] of Object.entries(access) as Array<[TableName, TableAccess]>) {
      if (level === 'readWrite') this.byName[table].grantReadWriteData(grantee);
      else this.byName[table].grantReadData(grantee);
    }
  }

  /**
   * Lets a function that only reads the identity table record each DPoP proof it accepts, once
   * (a conditional put), and only under `dpop#` keys.
   */
  grantDpopProofRecording(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.identity.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DPOP_PROOF_PREFIX}*`] } },
    });
  }

  /**
   * Append-only access to the audit trail: add new events under `event#` keys (the sealer
   * alone may write seals and checkpoints) and read by event id, never update or delete. The
   * one update allowed is to detection counters, whose partition keys start `detect#`. IAM
   * cannot demand a put's condition, so a writer could replace an event it can name: the seal
   * holds its hash (verification names it) and the stream raises an alert (docs/security.md).
   */
  grantAuditAppend(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.audit.tableArn],
      // The event partitions by name: no item anywhere else (`event#access#99`) for searches to find.
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...EVENT_PARTITIONS] } },
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query', 'dynamodb:GetItem'],
      // The event-id index: a retried append with its own id finds the event it wrote.
      resourceArns: [this.audit.tableArn, `${this.audit.tableArn}/index/${AUDIT_INDEXES.byEventId}`],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [this.audit.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DETECTION_PREFIX}*`] },
        // Counters only: an update naming an event's attributes would put it in the indexes.
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...DETECTION_ATTRIBUTES] },
      },
    });
    this.key.grantEncryptDecrypt(grantee);
  }

  /**
   * The sealer and checkpoint job: new seals under `seal#` and checkpoints under `checkpoint`,
   * nothing else; reads the chains it extends and the seal-time index.
   */
  grantAuditSeal(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.audit.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${SEAL_PREFIX}*`, CHECKPOINT_PARTITION] },
      },
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query', 'dynamodb:GetItem'],
      resourceArns: [this.audit.tableArn, `${this.audit.tableArn}/index/${AUDIT_INDEXES.bySeal}`],
    });
    this.key.grantEncryptDecrypt(grantee);
  }
}

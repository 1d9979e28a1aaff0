import { type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHECKPOINT_PARTITION, EVENT_PREFIX, SEAL_PREFIX } from '../../libs/audit/index.ts';

export interface AuditArchiveProps {
  /** The audit jobs function: it seals new events and copies every change of the trail to the archive. */
  readonly jobs: lambda.Function;
  /** The audit table; its stream (NEW_AND_OLD_IMAGES) feeds the sealer and the archive. */
  readonly table: dynamodb.ITable;
  /** Encrypts the archive and the dead-letter queue; the table's own key, which the stream needs. */
  readonly key: kms.IKey;
  /**
   * Days each object stays under S3 Object Lock in compliance mode (WORM: nobody, root
   * included, can delete or overwrite it sooner). @default 1095, the security class
   */
  readonly retentionDays?: number;
}

/**
 * The WORM archive of the audit trail: every insert, change and removal of an event, seal or
 * checkpoint, copied by the audit jobs from the table's stream to a bucket under Object Lock.
 */
export class AuditArchive extends Construct {
  /** The WORM archive (Object Lock, compliance mode). */
  readonly bucket: s3.Bucket;
  /**
   * Stream batches the jobs could not take (and, as the stack wires it, checkpoint runs); its
   * depth should alarm.
   */
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    const { jobs, key } = props;
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
    this.bucket = new s3.Bucket(this, 'AuditArchive', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
        Duration.days(props.retentionDays ?? 1095),
      ),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit-archive/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    jobs.addEnvironment('AUDIT_ARCHIVE_BUCKET', this.bucket.bucketName);
    // Put new objects only: no retention changes, no legal holds, no deletes (grantPut would
    // allow all three).
    iam.Grant.addToPrincipal({
      grantee: jobs,
      actions: ['s3:PutObject'],
      resourceArns: [this.bucket.arnForObjects('audit/*')],
    });
    key.grantEncrypt(jobs);
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    Validations.of(jobs.role!).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/audit/*]`,
      reason:
        'Writes new archive objects under audit/, named by the hash of their content; nothing else in the bucket.',
    });

    this.deadLetters = new sqs.Queue(this, 'AuditArchiveDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const ackId of ['Serverless::Serverless-SQSRedrivePolicy', 'AwsSolutions::AwsSolutions-SQS3']) {
      Validations.of(this.deadLetters).acknowledge({
        id: ackId,
        reason:
          'This is the dead-letter queue itself: a stream batch or schedule run the audit jobs could not take; its depth alarms and an operator replays it.',
      });
    }
    // Every insert, change and removal of the trail itself (events, seals, checkpoints); not the
    // detection counters, which are updated all the time.
    const trail = (prefix: string) =>
      lambda.FilterCriteria.filter({
        dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(prefix) } } },
      });
    jobs.addEventSource(
      new lambdaEvents.DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        // Events are sealed within about a second of being written: a short batching window.
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        onFailure: new lambdaEvents.SqsDlq(this.deadLetters),
        filters: [trail(EVENT_PREFIX), trail(SEAL_PREFIX), trail(CHECKPOINT_PARTITION)],
      }),
    );
    key.grantDecrypt(jobs);
    new CfnOutput(this, 'AuditArchiveBucket', { value: this.bucket.bucketName });
  }
}

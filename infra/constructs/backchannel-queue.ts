import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Zone } from '../../libs/config/index.ts';

export interface BackchannelQueueProps {
  readonly zone: Zone;
  /** Encrypts both queues. */
  readonly key: kms.IKey;
}

/**
 * A zone's back-channel logout queue: five attempts a minute apart, then a dead-letter queue
 * whose depth should alarm (see `deadLetters`). The queue is the default child; the dead-letter
 * queue's id names the zone, as it did when the stack held it (see YitongStack's GROUPS).
 */
export class BackchannelQueue extends Construct {
  /** The queue itself, the construct's default child. */
  readonly queue: sqs.Queue;
  /** Logouts that failed five times; an operator replays or drops them. */
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: BackchannelQueueProps) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, `BackchannelDeadLetters-${props.zone}`, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue itself; its depth raises an alarm and an operator replays or drops it.',
    });
    this.queue = new sqs.Queue(this, 'Default', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      // Six times the function timeout, as Lambda's SQS integration advises; also the retry spacing.
      visibilityTimeout: Duration.seconds(60),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });
  }
}

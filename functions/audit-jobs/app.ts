import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { createCheckpoint, DynamoAuditLog } from '../../libs/audit/index.ts';
import { logger } from '../../libs/observability/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

/** Where archived audit records go: an S3 bucket with Object Lock on AWS. */
export interface AuditArchive {
  put(key: string, body: string): Promise<void>;
}

/** Writes each batch as one JSONL object; Object Lock requires a checksum on every put. */
export class S3AuditArchive implements AuditArchive {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }
}

/**
 * The audit trail's background jobs, one function in the intranet zone:
 * - every quarter hour (EventBridge), sign a checkpoint of every chain's head;
 * - on the audit table's stream, copy each new event and checkpoint to the WORM archive.
 * A batch's object key is the hash of its content, so a retried batch writes the same object.
 */
export const makeHandler = async (runtime: Runtime, deps: { readonly archive?: AuditArchive } = {}) => {
  const log = new DynamoAuditLog(runtime.doc, runtime.config.tables.audit, {
    retention: runtime.config.auditRetention,
  });
  return async (
    event: ScheduledEvent | DynamoDBStreamEvent,
  ): Promise<DynamoDBBatchResponse | { checkpointId: string; created: boolean }> => {
    if ('Records' in event) {
      if (!deps.archive) throw new Error('no audit archive is configured (AUDIT_ARCHIVE_BUCKET)');
      const records = event.Records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage).map((r) =>
        unmarshall(r.dynamodb!.NewImage as Record<string, AttributeValue>),
      );
      if (records.length === 0) return { batchItemFailures: [] };
      const body = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
      const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
      const key = `audit/${day}/${createHash('sha256').update(body).digest('hex')}.jsonl`;
      await deps.archive.put(key, body);
      logger.info('audit records archived', { key, records: records.length });
      return { batchItemFailures: [] };
    }
    const { checkpoint, created } = await createCheckpoint({
      doc: runtime.doc,
      table: runtime.config.tables.audit,
      log,
      signer: await runtime.keyring.signer('audit-checkpoint'),
      retention: runtime.config.auditRetention,
    });
    return { checkpointId: checkpoint.checkpointId, created };
  };
};

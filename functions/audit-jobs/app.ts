import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import {
  AuditSealer,
  AuditTrail,
  CHECKPOINT_PARTITION,
  createCheckpoint,
  EVENT_PREFIX,
  SEAL_PREFIX,
} from '../../libs/audit/index.ts';
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

/** A change the stream reports: what happened to which item, and whether TTL did it. */
interface TrailChange {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: { readonly pk: string; readonly sk: string };
  /** TTL's own deletions are lawful expiry (the stream names the DynamoDB service as the remover). */
  readonly byTtl: boolean;
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
}

const changeOf = (record: DynamoDBRecord): TrailChange | undefined => {
  const image = (raw: unknown) => (raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined);
  const keys = image(record.dynamodb?.Keys);
  if (!keys || !record.eventName) return undefined;
  return {
    eventName: record.eventName,
    keys: { pk: String(keys.pk), sk: String(keys.sk) },
    byTtl:
      record.eventName === 'REMOVE' &&
      record.userIdentity?.type === 'Service' &&
      record.userIdentity?.principalId === 'dynamodb.amazonaws.com',
    newImage: image(record.dynamodb?.NewImage),
    oldImage: image(record.dynamodb?.OldImage),
  };
};

/** Events, seals and checkpoints: the trail itself (detection counters are not). */
const isTrailItem = (pk: string): boolean =>
  pk.startsWith(EVENT_PREFIX) || pk.startsWith(SEAL_PREFIX) || pk === CHECKPOINT_PARTITION;

/**
 * The audit trail's background jobs, one function in the intranet zone:
 * - on the audit table's stream: copy every insert, change and removal of an event, seal or
 *   checkpoint to the WORM archive; seal the new events into their chains; and raise an alert
 *   for any change or removal that was not TTL's expiry (the trail is never updated);
 * - every quarter hour (EventBridge): sign a checkpoint of every chain's newest seal.
 * A batch's object key is the hash of its content, so a retried batch writes the same object,
 * and the sealer skips events a seal already lists, so a retried batch seals nothing twice.
 */
export const makeHandler = async (runtime: Runtime, deps: { readonly archive?: AuditArchive } = {}) => {
  const table = runtime.config.tables.audit;
  const trail = new AuditTrail(runtime.doc, table);
  const sealer = new AuditSealer(runtime.doc, table);
  return async (
    event: ScheduledEvent | DynamoDBStreamEvent,
  ): Promise<DynamoDBBatchResponse | { checkpointId: string; created: boolean }> => {
    if ('Records' in event) {
      const changes = event.Records.map(changeOf).filter(
        (c): c is TrailChange => c !== undefined && isTrailItem(c.keys.pk),
      );
      if (changes.length === 0) return { batchItemFailures: [] };
      if (!deps.archive) throw new Error('no audit archive is configured (AUDIT_ARCHIVE_BUCKET)');
      const body = `${changes.map((c) => JSON.stringify(archiveRecordOf(c))).join('\n')}\n`;
      const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
      const key = `audit/${day}/${createHash('sha256').update(body).digest('hex')}.jsonl`;
      await deps.archive.put(key, body);
      const inserted = changes
        .filter((c) => c.eventName === 'INSERT' && c.keys.pk.startsWith(EVENT_PREFIX) && c.newImage)
        .map((c) => c.newImage!);
      const run = await sealer.seal(inserted);
      const tampered = changes.filter((c) => c.eventName !== 'INSERT' && !c.byTtl);
      for (const change of tampered) await raiseTamperAlert(runtime, change);
      for (const refused of run.refused) await raiseRefusedAlert(runtime, refused);
      logger.info('audit stream batch', {
        key,
        records: changes.length,
        sealed: run.sealed,
        seals: run.seals,
        already: run.already,
        refused: run.refused.length,
        tampered: tampered.length,
      });
      return { batchItemFailures: [] };
    }
    const { checkpoint, created } = await createCheckpoint({
      doc: runtime.doc,
      table,
      trail,
      keyring: runtime.keyring,
      signer: await runtime.keyring.signer('audit-checkpoint'),
      retention: runtime.config.auditRetention,
      checkpointEverySeconds: runtime.config.auditCheckpointSeconds,
      // An operator's deliberate restart after the checkpoints were found removed (docs/audit.md).
      newChain: (event as { action?: unknown }).action === 'new-checkpoint-chain',
    });
    return { checkpointId: checkpoint.checkpointId, created };
  };
};

/** What the archive keeps of a change: the change, the keys, and both images. */
const archiveRecordOf = (change: TrailChange) => ({
  change: change.eventName,
  ...(change.byTtl ? { byTtl: true } : {}),
  keys: change.keys,
  ...(change.newImage ? { new: change.newImage } : {}),
  ...(change.oldImage ? { old: change.oldImage } : {}),
});

/** The id of the alert for one stream change: a retried batch raises the same alert, once. */
const alertIdOf = (what: string): string => {
  const h = createHash('sha256').update(what).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const raiseTamperAlert = async (runtime: Runtime, change: TrailChange): Promise<void> => {
  const what = change.eventName === 'MODIFY' ? 'changed' : 'deleted';
  logger.error(`audit trail item ${what}`, { keys: change.keys });
  await runtime.audit.append(
    {
      type: 'alert.raised',
      outcome: 'success',
      zone: runtime.config.zone,
      resource: 'rule:trail-modified',
      reason: `trail-modified: the audit item ${change.keys.pk} ${change.keys.sk} was ${what} (not by TTL expiry)`,
      details: {
        rule: 'trail-modified',
        change: change.eventName,
        pk: change.keys.pk,
        sk: change.keys.sk,
        ...(typeof change.oldImage?.eventId === 'string' ? { eventId: change.oldImage.eventId } : {}),
      },
    },
    {
      eventId: alertIdOf(
        `${change.eventName}|${change.keys.pk}|${change.keys.sk}|${JSON.stringify(change.newImage ?? null)}`,
      ),
    },
  );
};

const raiseRefusedAlert = async (runtime: Runtime, key: string): Promise<void> => {
  logger.error('audit item not sealed: it is not a well-formed event of a known chain', { key });
  await runtime.audit.append(
    {
      type: 'alert.raised',
      outcome: 'success',
      zone: runtime.config.zone,
      resource: 'rule:trail-malformed',
      reason: `trail-malformed: ${key} is not a well-formed event of a known chain; it was not sealed`,
      details: { rule: 'trail-malformed', key },
    },
    { eventId: alertIdOf(`refused|${key}`) },
  );
};

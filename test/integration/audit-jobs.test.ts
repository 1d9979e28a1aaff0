import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler, S3AuditArchive } from '../../functions/audit-jobs/app.ts';
import { newestCheckpoint, verifyCheckpoint } from '../../libs/audit/checkpoint.ts';
import { AuditQuery, AuditTrail, chainOf, eventItem } from '../../libs/audit/index.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { createRuntime, type Runtime } from '../../libs/runtime/index.ts';
import { freshTables } from '../support/tables.ts';

let runtime: Runtime;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  const { doc, tables } = await freshTables();
  runtime = await createRuntime(
    {
      zone: 'intranet',
      issuer: 'https://intranet.gov.example',
      tables,
      keys: { kind: 'local', dir: undefined },
      dynamodbEndpoint: undefined,
      localMode: false,
    },
    { doc, keyring: new LocalKeyring(undefined), cookieKeys: ['k'.repeat(32)] },
  );
});

type Change = {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: Record<string, unknown>;
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  readonly byTtl?: boolean;
};

/** Stream records as DynamoDB Streams delivers them (NEW_AND_OLD_IMAGES). */
const streamOf = (changes: readonly Change[]) =>
  ({
    Records: changes.map((c) => ({
      eventName: c.eventName,
      ...(c.byTtl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
      dynamodb: {
        Keys: marshall({ pk: c.keys.pk, sk: c.keys.sk }),
        ...(c.newImage ? { NewImage: marshall(c.newImage, { removeUndefinedValues: true }) } : {}),
        ...(c.oldImage ? { OldImage: marshall(c.oldImage, { removeUndefinedValues: true }) } : {}),
      },
    })),
  }) as unknown as DynamoDBStreamEvent;

const inserted = (item: Record<string, unknown>): Change => ({
  eventName: 'INSERT',
  keys: item,
  newImage: item,
});
const archived = () =>
  s3.commandCalls(PutObjectCommand).map((call) =>
    String(call.args[0].input.Body)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  );

describe('the audit jobs function', () => {
  it('archives every change of the trail as JSONL named by its hash, and seals the new events', async () => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
    const handler = await makeHandler(runtime, { archive: new S3AuditArchive(new S3Client({}), 'archive') });
    const a = await runtime.audit.append({
      type: 'login.success',
      outcome: 'success',
      zone: 'public',
      actor: 'a',
    });
    const b = await runtime.audit.append({
      type: 'admin.client.updated',
      outcome: 'success',
      zone: 'intranet',
    });
    const detector = { pk: 'detect#brute-force#a', sk: '1' };
    const result = await handler(
      streamOf([
        inserted(eventItem(a)),
        { eventName: 'MODIFY', keys: detector, newImage: { ...detector, n: 2 } }, // not the trail
        inserted(eventItem(b)),
      ]),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    const [call] = s3.commandCalls(PutObjectCommand);
    expect(call!.args[0].input).toMatchObject({ Bucket: 'archive', ChecksumAlgorithm: 'SHA256' });
    expect(call!.args[0].input.Key).toMatch(/^audit\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{64}\.jsonl$/);
    const [lines] = archived();
    expect(lines!.map((l) => [l.change, l.new.eventId])).toEqual([
      ['INSERT', a.eventId],
      ['INSERT', b.eventId],
    ]);
    expect(lines![0].new.hash).toBe(a.hash);
    // Both events are now listed by a seal; the same batch delivered again seals nothing twice.
    const trail = new AuditTrail(runtime.doc, runtime.config.tables.audit);
    const sealedBy = async (e: typeof a) =>
      (await trail.readSeals(chainOf(e))).filter((seal) => seal.events.some((x) => x.h === e.hash)).length;
    expect([await sealedBy(a), await sealedBy(b)]).toEqual([1, 1]);
    await handler(streamOf([inserted(eventItem(a)), inserted(eventItem(b))]));
    expect([await sealedBy(a), await sealedBy(b)]).toEqual([1, 1]);
  });

  it('raises one alert for a change or removal of an event, seal or checkpoint, and none for TTL expiry', async () => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
    const handler = await makeHandler(runtime, { archive: new S3AuditArchive(new S3Client({}), 'archive') });
    const e = await runtime.audit.append({
      type: 'login.success',
      outcome: 'success',
      zone: 'public',
      actor: 'z',
    });
    const item = eventItem(e);
    const batch = streamOf([
      { eventName: 'MODIFY', keys: item, oldImage: item, newImage: { ...item, actor: 'mallory' } },
      { eventName: 'REMOVE', keys: { pk: 'seal#access#3', sk: '000000000007' }, oldImage: { seq: 7 } },
      { eventName: 'REMOVE', keys: item, oldImage: item, byTtl: true },
    ]);
    await handler(batch);
    await handler(batch); // a retried batch raises nothing new
    const alerts = (
      await new AuditQuery(runtime.doc, runtime.config.tables.audit).search(
        { type: 'alert.raised' },
        { limit: 50 },
      )
    ).events.filter((x) => x.resource === 'rule:trail-modified');
    expect(alerts.map((x) => [x.details?.change, x.details?.pk]).sort()).toEqual([
      ['MODIFY', item.pk],
      ['REMOVE', 'seal#access#3'],
    ]);
    expect(alerts.find((x) => x.details?.change === 'MODIFY')?.details?.eventId).toBe(e.eventId);
    // The archive keeps all three, TTL's removal marked as such.
    expect(archived()[0]!.map((l) => [l.change, l.byTtl ?? false])).toEqual([
      ['MODIFY', false],
      ['REMOVE', false],
      ['REMOVE', true],
    ]);
  });

  it('signs a checkpoint on every run, each chained to the one before', async () => {
    const handler = await makeHandler(runtime);
    await runtime.audit.append({ type: 'login.success', outcome: 'success', zone: 'public', actor: 'c' });
    const first = await handler({ source: 'aws.events' } as never);
    expect(first).toMatchObject({ created: true });
    await handler({ source: 'aws.events' } as never);
    const stored = (await newestCheckpoint(runtime.doc, runtime.config.tables.audit))!;
    const signed = await verifyCheckpoint(runtime.keyring, stored);
    expect(signed).toMatchObject({ ok: true, claims: { seq: stored.seq } });
    expect(stored.seq).toBeGreaterThanOrEqual(2);
  });
});

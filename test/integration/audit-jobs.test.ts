import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler, S3AuditArchive } from '../../functions/audit-jobs/app.ts';
import { latestCheckpoint, verifyCheckpoint } from '../../libs/audit/checkpoint.ts';
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

const streamOf = (records: Array<{ eventName: 'INSERT' | 'REMOVE'; image: Record<string, unknown> }>) =>
  ({
    Records: records.map((r) => ({
      eventName: r.eventName,
      dynamodb: r.eventName === 'INSERT' ? { NewImage: marshall(r.image) } : { OldImage: marshall(r.image) },
    })),
  }) as unknown as DynamoDBStreamEvent;

describe('the audit jobs function', () => {
  it('archives each batch of new events as one JSONL object named by its hash, with a checksum for Object Lock', async () => {
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
    const result = await handler(
      streamOf([
        { eventName: 'INSERT', image: { pk: 'chain#x', sk: '1', ...a } },
        { eventName: 'REMOVE', image: { pk: 'chain#x', sk: '0' } },
        { eventName: 'INSERT', image: { pk: 'chain#y', sk: '1', ...b } },
      ]),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    const [call] = s3.commandCalls(PutObjectCommand);
    const input = call!.args[0].input;
    expect(input).toMatchObject({ Bucket: 'archive', ChecksumAlgorithm: 'SHA256' });
    expect(input.Key).toMatch(/^audit\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{64}\.jsonl$/);
    const lines = String(input.Body)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.eventId)).toEqual([a.eventId, b.eventId]);
    expect(lines[0].hash).toBe(a.hash);
  });

  it('signs a checkpoint when its schedule fires, and only when something changed', async () => {
    const handler = await makeHandler(runtime);
    await runtime.audit.append({ type: 'login.success', outcome: 'success', zone: 'public', actor: 'c' });
    const first = await handler({ source: 'aws.events' } as never);
    expect(first).toMatchObject({ created: true });
    const again = await handler({ source: 'aws.events' } as never);
    expect(again).toMatchObject({ created: false });
    const stored = (await latestCheckpoint(runtime.doc, runtime.config.tables.audit))!;
    expect(await verifyCheckpoint(runtime.keyring, stored)).toMatchObject({ ok: true });
  });
});

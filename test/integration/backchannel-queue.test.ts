import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOidc, makeLambdaHandler } from '../../functions/oidc/app.ts';
import type { AppConfig } from '../../libs/config/index.ts';
import { deliverBackchannelJobs, putClient } from '../../libs/oidc/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { freshTables } from '../support/tables.ts';

/**
 * On AWS, back-channel logout goes through the zone's queue. SQS has no local twin, so it is
 * mocked here (aws-sdk-client-mock); the provider, its logout tokens and the relying party's
 * endpoint are real.
 */
const sqs = mockClient(SQSClient);
let rp: Server;
let rpUrl: string;
let rpStatus = 200;
const received: string[] = [];

beforeAll(async () => {
  rp = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (rpStatus === 200) received.push(new URLSearchParams(body).get('logout_token')!);
      res.statusCode = rpStatus;
      res.end();
    });
  });
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  rpUrl = `http://localhost:${(rp.address() as AddressInfo).port}`;
});
afterAll(() => {
  sqs.restore();
  rp.close();
});

const sqsEvent = (bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body,
    attributes: {} as never,
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:cn-north-1:111122223333:backchannel-public',
    awsRegion: 'cn-north-1',
  })),
});

describe('back-channel logout through a queue', () => {
  it('enqueues instead of calling, then delivers from the queue, reporting failures for retry', async () => {
    const sent: string[] = [];
    sqs.on(SendMessageCommand).callsFake(async (input: { MessageBody: string; QueueUrl: string }) => {
      expect(input.QueueUrl).toBe('https://sqs.cn-north-1.amazonaws.com.cn/111122223333/backchannel-public');
      sent.push(input.MessageBody);
      return { MessageId: 'x' };
    });
    const { doc, tables } = await freshTables();
    const config: AppConfig = {
      zone: 'public',
      issuer: 'http://localhost:3000',
      tables,
      keys: { kind: 'local', dir: mkdtempSync(join(tmpdir(), 'yitong-keys-')) },
      dynamodbEndpoint: undefined,
      localMode: true,
      backchannelQueueUrl: 'https://sqs.cn-north-1.amazonaws.com.cn/111122223333/backchannel-public',
    };
    const runtime = await createRuntime(config, { doc });
    await putClient(doc, tables.identity, {
      client_id: 'tax-site',
      client_secret: 'x'.repeat(40),
      redirect_uris: [`${rpUrl}/callback`],
      backchannel_logout_uri: `${rpUrl}/backchannel-logout`,
      backchannel_logout_session_required: true,
      token_endpoint_auth_method: 'client_secret_basic',
      yitong_zone: 'public',
      yitong_department: 'tax',
    });
    const { provider } = await buildOidc(runtime);
    const client = (await provider.Client.find('tax-site')) as unknown as {
      backchannelLogout(sub: string, sid: string): Promise<void>;
    };
    await client.backchannelLogout('account-1', 'session-1');
    expect(sent.map((b) => JSON.parse(b))).toEqual([
      { clientId: 'tax-site', sub: 'account-1', sid: 'session-1' },
    ]);
    expect(received).toEqual([]);

    // The relying party is down: the record is reported for SQS to retry.
    rpStatus = 503;
    expect(await deliverBackchannelJobs(provider, sqsEvent(sent))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm0' }],
    });
    // It is back: the retry delivers a logout token for that session.
    rpStatus = 200;
    expect(await deliverBackchannelJobs(provider, sqsEvent(sent))).toEqual({ batchItemFailures: [] });
    expect(received).toHaveLength(1);
    const token = decodeJwt(received[0]!);
    expect(token).toMatchObject({ iss: 'http://localhost:3000', aud: 'tax-site', sid: 'session-1' });
    expect(token.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });

    // The Lambda entry routes SQS events to delivery; a malformed job or unknown client is dropped.
    const handler = await makeLambdaHandler(runtime);
    const result = await handler(
      sqsEvent(['not json', JSON.stringify({ clientId: 'gone', sub: 'a', sid: 'b' })]),
      {} as never,
    );
    expect(result).toEqual({ batchItemFailures: [] });
  });
});

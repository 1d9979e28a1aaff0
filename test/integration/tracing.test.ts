import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lambdaTracing, startTracing, traced, tracingWanted } from '../../libs/observability/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { type FakeAws, startFakeAws } from '../../testkit/fake-aws.ts';
import { freshTables } from '../support/tables.ts';

/** An X-Ray (sub)segment as the SDK sends it to the daemon. */
interface XraySegment {
  name: string;
  namespace?: string;
  parent_id?: string;
  id: string;
  annotations?: Record<string, unknown>;
  aws?: { operation?: string; table_name?: string; request_id?: string };
  metadata?: Record<string, unknown>;
}

describe('X-Ray tracing', () => {
  it('is off outside Lambda and when POWERTOOLS_TRACE_ENABLED=false: clients are left untouched', async () => {
    expect(tracingWanted({})).toBe(false);
    expect(
      tracingWanted({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', POWERTOOLS_TRACE_ENABLED: 'false' }),
    ).toBe(false);
    expect(tracingWanted({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', AWS_SAM_LOCAL: 'true' })).toBe(false);
    expect(tracingWanted({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' })).toBe(true);
    // This process is not on Lambda: nothing is loaded, no middleware is added.
    expect(await startTracing()).toBeUndefined();
    const client = new KMSClient({});
    const before = client.middlewareStack.identify();
    expect(traced(client).middlewareStack.identify()).toEqual(before);
  });
});

/**
 * On Lambda: the invocation and each DynamoDB and KMS call reach the X-Ray daemon as
 * subsegments. A UDP socket here plays the daemon; the environment is the one Lambda sets.
 */
describe('X-Ray tracing on Lambda', () => {
  let daemon: Socket;
  let aws: FakeAws;
  const received: XraySegment[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    daemon = createSocket('udp4');
    daemon.on('message', (message) => {
      // "{format, version}\n{segment}" per datagram.
      const [, body] = message.toString('utf8').split('\n');
      if (body) received.push(JSON.parse(body) as XraySegment);
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    aws = await startFakeAws({ keyIds: ['id-token-key'] });
    Object.assign(process.env, {
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: 'index.handler',
      _X_AMZN_TRACE_ID: 'Root=1-6790a1b2-3c4d5e6f7a8b9c0d1e2f3a4b;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
      AWS_XRAY_LOG_LEVEL: 'silent',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await aws?.close();
    await new Promise<void>((resolve) => daemon?.close(() => resolve()));
  });

  it('sends the handler and every DynamoDB and KMS call as subsegments, without the response', async () => {
    const { tables } = await freshTables();
    const tracing = await startTracing();
    expect(tracing).toBeDefined();
    // Built after tracing started, as createRuntime builds them.
    const doc = createDynamoClient({ endpoint: inject('dynamodbEndpoint') });
    const kms = traced(
      new KMSClient({
        endpoint: aws.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );
    const handler = middy(async () => {
      await doc.send(
        new GetCommand({ TableName: tables.identity, Key: { pk: 'account#nobody', sk: 'account' } }),
      );
      await kms.send(new GetPublicKeyCommand({ KeyId: 'id-token-key' }));
      return { statusCode: 200, body: 'access_token=secret' };
    }).use(lambdaTracing());

    await handler({}, { functionName: 'oidc', awsRequestId: 'r-1' } as Context);
    await expect
      .poll(() => received.map((s) => s.name), { timeout: 5_000 })
      .toEqual(expect.arrayContaining(['DynamoDB', 'KMS', '## index.handler']));

    const dynamo = received.find((s) => s.name === 'DynamoDB')!;
    expect(dynamo).toMatchObject({
      namespace: 'aws',
      aws: { operation: 'GetItem', table_name: tables.identity },
    });
    expect(received.find((s) => s.name === 'KMS')).toMatchObject({ aws: { operation: 'GetPublicKey' } });
    const invocation = received.find((s) => s.name === '## index.handler')!;
    expect(invocation.annotations).toMatchObject({ ColdStart: true, Service: 'yitong' });
    // Both calls nest under the invocation, so a slow sign-in shows which call was slow.
    expect(dynamo.parent_id).toBe(invocation.id);
    // The response (tokens, cookies, personal data) is never copied into the trace.
    expect(JSON.stringify(received)).not.toContain('access_token=secret');
  });
});

import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { NotFoundError, parseJsonBody } from '../../libs/http/index.ts';
import {
  problemErrors,
  securityHeaders,
  type ZonedContext,
  zoneContext,
} from '../../libs/http/middleware.ts';

const event = (
  body: string | null,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  ({
    body,
    headers,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' },
  }) as unknown as APIGatewayProxyEvent;

const Body = z.strictObject({ name: z.string().min(1), count: z.number().int().positive() });

const handlerOf = (fn: (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>) =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(zoneContext('extranet'))
    .use(problemErrors())
    .use(securityHeaders())
    .handler(fn);

const invoke = (handler: ReturnType<typeof handlerOf>, e: APIGatewayProxyEvent) =>
  handler(e, { awsRequestId: 'r' } as Context);

describe('request bodies', () => {
  it('accepts a valid JSON body and returns the parsed value', () => {
    expect(parseJsonBody(event('{"name":"a","count":2}'), Body)).toEqual({ name: 'a', count: 2 });
  });

  it('refuses a body that is not JSON with a 415 naming the content type', async () => {
    const handler = handlerOf(async (e) => ({
      statusCode: 200,
      body: JSON.stringify(parseJsonBody(e, Body)),
    }));
    const res = await invoke(
      handler,
      event('name=a', { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(res.statusCode).toBe(415);
    expect(JSON.parse(res.body)).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: expect.stringContaining('application/json'),
    });
  });

  it('refuses malformed JSON with a 400', async () => {
    const handler = handlerOf(async (e) => ({
      statusCode: 200,
      body: JSON.stringify(parseJsonBody(e, Body)),
    }));
    const res = await invoke(handler, event('{"name":'));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, detail: 'the body is not valid JSON' });
  });

  it('names every invalid field', async () => {
    const handler = handlerOf(async (e) => ({
      statusCode: 200,
      body: JSON.stringify(parseJsonBody(e, Body)),
    }));
    const res = await invoke(handler, event('{"name":"","count":-1,"extra":true}'));
    const problem = JSON.parse(res.body);
    expect(res.statusCode).toBe(400);
    expect(problem['invalid-params'].map((p: { name: string }) => p.name).sort()).toEqual([
      '(body)',
      'count',
      'name',
    ]);
  });

  it('refuses an oversized body with a 413', async () => {
    const handler = handlerOf(async (e) => ({
      statusCode: 200,
      body: JSON.stringify(parseJsonBody(e, Body)),
    }));
    const res = await invoke(handler, event(JSON.stringify({ name: 'x'.repeat(70_000), count: 1 })));
    expect(res.statusCode).toBe(413);
  });
});

describe('error responses', () => {
  it('maps a domain error to its status with a stable code', async () => {
    const handler = handlerOf(async () => {
      throw new NotFoundError('no licence with id 1.2.3');
    });
    const res = await invoke(handler, event(null));
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({
      type: 'urn:yitong:problem:not-found',
      code: 'NOT_FOUND',
      detail: 'no licence with id 1.2.3',
      instance: 'req-1',
    });
  });

  it('answers an unexpected error with a 500 that reveals nothing internal', async () => {
    const handler = handlerOf(async () => {
      throw new Error('connection string postgres://secret@db');
    });
    const res = await invoke(handler, event(null));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
  });

  it('answers AWS throttling with a 503 and Retry-After', async () => {
    const handler = handlerOf(async () => {
      throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    });
    const res = await invoke(handler, event(null));
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
  });
});

describe('security headers and zone', () => {
  it('adds security headers without overriding a handler that set its own CSP', async () => {
    const handler = handlerOf(async () => ({
      statusCode: 200,
      headers: { 'Content-Security-Policy': "default-src 'self'" },
      body: '<p>hi</p>',
    }));
    const res = await invoke(handler, event(null));
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
    expect(res.headers?.['Content-Security-Policy']).toBe("default-src 'self'");
    expect(res.headers?.['content-security-policy']).toBeUndefined();
  });

  it('puts the deployed zone on the context, whatever headers claim', async () => {
    const handler = handlerOf(async (_e, context) => ({
      statusCode: 200,
      body: (context as ZonedContext).zone,
    }));
    const res = await invoke(handler, event(null, { 'x-yitong-zone': 'intranet', 'x-zone': 'intranet' }));
    expect(res.body).toBe('extranet');
  });
});

import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createZoneGateway, type GatewayTarget } from '../../infra/local/gateway.ts';
import { RouteMatcher } from '../../infra/local/route-match.ts';
import { FUNCTIONS, isBinaryMediaType, type RouteDefinition, routesOf } from '../../infra/routes.ts';

const route = (method: RouteDefinition['method'], path: string): RouteDefinition => ({
  method,
  path,
  zones: ['public'],
});

describe('route matching', () => {
  const matcher = new RouteMatcher([
    { target: 'oidc', route: route('ANY', '/{proxy+}') },
    { target: 'root', route: route('ANY', '/') },
    { target: 'verify', route: route('POST', '/licences/verify') },
    { target: 'one', route: route('GET', '/licences/{id}') },
    { target: 'status', route: route('GET', '/licences/status/{list}') },
  ]);

  it('prefers a literal resource over a parameter and a parameter over a greedy one', () => {
    expect(matcher.match('POST', '/licences/verify')).toMatchObject({ target: 'verify' });
    expect(matcher.match('GET', '/licences/abc')).toMatchObject({
      target: 'one',
      pathParameters: { id: 'abc' },
    });
    expect(matcher.match('GET', '/licences/status/7')).toMatchObject({
      target: 'status',
      pathParameters: { list: '7' },
    });
    expect(matcher.match('GET', '/token/introspection')).toMatchObject({
      target: 'oidc',
      pathParameters: { proxy: 'token/introspection' },
    });
    expect(matcher.match('GET', '/')).toMatchObject({ target: 'root', pathParameters: null });
  });

  it('does not fall back to a greedy route when the specific resource lacks the method', () => {
    expect(matcher.match('GET', '/licences/verify')).toBe('method');
    expect(matcher.match('DELETE', '/licences/status/7')).toBe('method');
  });

  it('hands path parameters on percent-encoded, as API Gateway REST APIs do (the function decodes them)', () => {
    expect(matcher.match('GET', '/licences/a%20b')).toMatchObject({ pathParameters: { id: 'a%20b' } });
  });
});

describe('the route table', () => {
  it('routes every zone’s discovery document to the oidc function', () => {
    for (const zone of ['public', 'extranet', 'intranet'] as const) {
      const matcher = new RouteMatcher(routesOf(zone).map(({ fn, route }) => ({ target: fn.name, route })));
      expect(matcher.match('GET', '/.well-known/openid-configuration')).toMatchObject({ target: 'oidc' });
    }
  });

  it('lists each function once with an entry file', () => {
    const names = FUNCTIONS.map((fn) => fn.name);
    expect(new Set(names).size).toBe(names.length);
    for (const fn of FUNCTIONS) expect(fn.entry).toMatch(/^functions\/[a-z-]+\/handler\.ts$/);
  });

  it('knows which media types API Gateway base64-encodes', () => {
    expect(isBinaryMediaType('image/png')).toBe(true);
    expect(isBinaryMediaType('application/octet-stream; charset=x')).toBe(true);
    expect(isBinaryMediaType('application/json')).toBe(false);
  });
});

describe('local gateway', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  /** Serves one echo route through the gateway and records the event the handler got. */
  const serve = async (respond: GatewayTarget['handler']) => {
    const seen: APIGatewayProxyEvent[] = [];
    const target: GatewayTarget = {
      functionName: 'echo',
      handler: async (event, context) => {
        seen.push(event);
        return respond(event, context);
      },
    };
    server = createServer(
      createZoneGateway('public', [
        { target: Promise.resolve(target), route: route('ANY', '/echo/{proxy+}') },
      ]),
    );
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', () => done()));
    return { port: (server.address() as AddressInfo).port, seen };
  };

  const send = (
    port: number,
    options: {
      method?: string;
      path: string;
      headers?: Record<string, string | string[]>;
      body?: Buffer | string;
    },
  ) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (done, fail) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: options.method ?? 'GET',
            path: options.path,
            headers: options.headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', fail);
        req.end(options.body);
      },
    );

  it('builds the REST v1 proxy event a deployed function gets', async () => {
    const { port, seen } = await serve(async () => ({ statusCode: 204, body: '' }));
    await send(port, {
      method: 'POST',
      path: '/echo/a/b?x=1&x=2&y=3',
      headers: {
        'content-type': 'application/json',
        'x-custom': ['one', 'two'],
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '6.6.6.6',
      },
      body: '{"hello":"世界"}',
    });
    const event = seen[0]!;
    expect(event).toMatchObject({
      resource: '/echo/{proxy+}',
      path: '/echo/a/b',
      httpMethod: 'POST',
      pathParameters: { proxy: 'a/b' },
      queryStringParameters: { x: '2', y: '3' },
      multiValueQueryStringParameters: { x: ['1', '2'], y: ['3'] },
      body: '{"hello":"世界"}',
      isBase64Encoded: false,
      requestContext: { stage: 'local', resourcePath: '/echo/{proxy+}', identity: { sourceIp: '127.0.0.1' } },
    });
    expect(event.multiValueHeaders['x-custom']).toEqual(['one', 'two']);
    // The gateway, like API Gateway, sets the forwarding headers itself.
    expect(event.headers['X-Forwarded-Proto']).toBe('http');
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(Object.keys(event.headers).filter((h) => h.toLowerCase() === 'x-forwarded-proto')).toHaveLength(1);
  });

  it('passes parameters and headers named like object properties through as plain values', async () => {
    const { port, seen } = await serve(async () => ({ statusCode: 204, body: '' }));
    const answer = await send(port, {
      path: '/echo/a?valueOf=1&constructor=2&__proto__=3&toString=4&toString=5',
      headers: { constructor: 'c', valueOf: 'v' },
    });
    expect(answer.status).toBe(204);
    const event = seen[0]!;
    expect(Object.entries(event.queryStringParameters ?? {})).toEqual([
      ['valueOf', '1'],
      ['constructor', '2'],
      ['__proto__', '3'],
      ['toString', '5'],
    ]);
    expect(event.multiValueQueryStringParameters?.toString).toEqual(['4', '5']);
    expect(event.headers.constructor).toBe('c');
    expect(event.multiValueHeaders.valueOf).toEqual(['v']);
  });

  it('passes binary bodies base64-encoded and decodes base64 responses', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const { port, seen } = await serve(async (event) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: event.body ?? '',
      isBase64Encoded: true,
    }));
    const res = await send(port, {
      method: 'PUT',
      path: '/echo/bin',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(seen[0]!.isBase64Encoded).toBe(true);
    expect(res.body.equals(bytes)).toBe(true);
  });

  it('keeps every Set-Cookie from multi-value headers', async () => {
    const { port } = await serve(async () => ({
      statusCode: 302,
      headers: { location: '/next' },
      multiValueHeaders: { 'Set-Cookie': ['a=1; Path=/', 'b=2; Path=/; HttpOnly'] },
      body: '',
    }));
    const res = await send(port, { path: '/echo/c' });
    expect(res.status).toBe(302);
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    expect(res.headers.location).toBe('/next');
  });

  it('answers unknown routes as API Gateway does, without invoking anything', async () => {
    const { port, seen } = await serve(async () => ({ statusCode: 200, body: 'no' }));
    const res = await send(port, { path: '/elsewhere' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString())).toEqual({ message: 'Missing Authentication Token' });
    expect(seen).toHaveLength(0);
  });

  it('turns a handler crash into a 502 without details', async () => {
    const { port } = await serve(async () => {
      throw new Error('secret internals');
    });
    const res = await send(port, { path: '/echo/x' });
    expect(res.status).toBe(502);
    expect(res.body.toString()).not.toContain('secret');
  });
});

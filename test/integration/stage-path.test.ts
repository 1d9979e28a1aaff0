import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { restEvent } from '../../bench/lib/events.ts';
import { makeHandler } from '../../functions/oidc/app.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import type { AppConfig } from '../../libs/config/index.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { putClient } from '../../libs/oidc/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { auditEventsIn } from '../support/audit.ts';
import { freshTables } from '../support/tables.ts';

const HOST = 'abc123.execute-api.eu-west-1.amazonaws.com';
const ISSUER = `https://${HOST}/prod`;
let handler: Awaited<ReturnType<typeof makeHandler>>;
let auditEvents: () => Promise<Array<Record<string, unknown>>>;
const jar = new Map<string, string>();

/** One request through the deployed handler as API Gateway would send it through the stage URL. */
const send = async (
  method: string,
  pathAndQuery: string,
  form?: Record<string, string>,
  extraHeaders: Record<string, string> = {},
) => {
  const url = new URL(pathAndQuery, `https://${HOST}`);
  const event = restEvent({
    method,
    path: url.pathname,
    host: HOST,
    headers: {
      cookie: [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; '),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...extraHeaders,
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  event.queryStringParameters = Object.fromEntries(url.searchParams);
  event.multiValueQueryStringParameters = Object.fromEntries(
    [...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k)]),
  );
  const result = (await handler(event, {
    awsRequestId: 'r',
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context)) as APIGatewayProxyResult;
  const cookies = (result.multiValueHeaders?.['set-cookie'] ??
    result.multiValueHeaders?.['Set-Cookie'] ??
    []) as string[];
  for (const cookie of cookies) {
    const [pair] = cookie.split(';');
    const [name, ...value] = pair!.split('=');
    jar.set(name!, value.join('='));
  }
  const headers = { ...result.headers } as Record<string, string>;
  return { status: result.statusCode, location: headers.location, body: result.body, cookies };
};

beforeAll(async () => {
  const { doc, tables } = await freshTables();
  const config: AppConfig = {
    zone: 'public',
    issuer: ISSUER,
    tables,
    keys: { kind: 'local', dir: undefined },
    dynamodbEndpoint: undefined,
    localMode: false,
  };
  auditEvents = () => auditEventsIn(doc, tables.audit);
  handler = await makeHandler(
    await createRuntime(config, { doc, keyring: new LocalKeyring(undefined, { zone: 'public' }) }),
  );
  await putClient(doc, tables.identity, {
    client_id: 'stage-client',
    client_secret: 's'.repeat(40),
    redirect_uris: ['https://site.example/cb'],
    token_endpoint_auth_method: 'client_secret_basic',
    yitong_zone: 'public',
    yitong_department: 'stage',
  });
  await new AccountStore(doc, tables.identity).create({
    kind: 'citizen',
    loginName: 'stage.user',
    displayName: 'Stage User',
    password: 'stage user password',
    roles: ['citizen'],
  });
});

describe('sign-in behind an API stage (no custom domain)', () => {
  it('keeps the stage in every redirect, cookie path, link and form', async () => {
    const auth = await send(
      'GET',
      `/auth?client_id=stage-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://site.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
    );
    expect(auth.status).toBe(303);
    expect(auth.location).toMatch(new RegExp(`^(https://${HOST})?/prod/interaction/[\\w-]+$`));
    const uid = auth.location!.split('/').pop()!;
    expect(auth.cookies.some((c) => c.includes(`path=/prod/interaction/${uid}`))).toBe(true);

    const login = await send('GET', `/interaction/${uid}`);
    expect(login.status).toBe(200);
    expect(login.body).toContain('<base href="/prod/">');
    expect(login.body).toContain(`action="interaction/${uid}/login"`);
    expect(login.body.replace(/<base [^>]*>/, '')).not.toMatch(/(action|href)="\/(?!\/)/);

    const csrf = /name="csrf" value="([^"]+)"/.exec(login.body)![1]!;
    const protect = await send('POST', `/interaction/${uid}/login`, {
      csrf,
      username: 'stage.user',
      password: 'stage user password',
    });
    expect(protect.status).toBe(200);
    const done = await send('POST', `/interaction/${uid}/protect`, { csrf, choice: 'skip' });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${ISSUER}/auth/${uid}`);
  });

  it('records the address API Gateway saw, not one the caller claims', async () => {
    const auth = await send(
      'GET',
      `/auth?client_id=stage-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://site.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
    );
    const uid = auth.location!.split('/').pop()!;
    const login = await send('GET', `/interaction/${uid}`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(login.body)![1]!;
    // What API Gateway forwards when the caller sends its own X-Forwarded-For: theirs first, the real one last.
    const refused = await send(
      'POST',
      `/interaction/${uid}/login`,
      { csrf, username: 'spoof.check', password: 'wrong password' },
      { 'X-Forwarded-For': '6.6.6.6, 198.51.100.23' },
    );
    expect(refused.status).toBe(401);
    const failures = (await auditEvents()).filter(
      (e) => e.type === 'login.failure' && e.correlationId === uid,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]!.sourceIp).toBe('198.51.100.23');
  });
});

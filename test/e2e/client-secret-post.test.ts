import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { adminApiToken, CALLBACK, codeFlow } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';

let stack: LocalStack;
let adminToken: string;
const citizen = { username: 'zhang.san', password: 'demo-citizen-2026' };
const insecure = { execute: [oidc.allowInsecureRequests] };

const registerClient = async (body: Record<string, unknown>) => {
  const answer = await fetch(`${stack.urls.intranet}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ department: 'tax', zone: 'public', redirect_uris: [CALLBACK], ...body }),
  });
  expect(answer.status, await answer.clone().text()).toBe(201);
  return (await answer.json()) as {
    client_id: string;
    client_secret?: string;
    token_endpoint_auth_method: string;
  };
};

beforeAll(async () => {
  stack = await startTestStack();
  adminToken = await adminApiToken(stack, 'post-onboarding');
});
afterAll(() => stack?.stop());

describe('client_secret_post', () => {
  it('is advertised by every zone’s discovery', async () => {
    for (const zone of ['public', 'extranet', 'intranet'] as const) {
      const metadata = (await (
        await fetch(`${stack.urls[zone]}/.well-known/openid-configuration`)
      ).json()) as Record<string, string[]>;
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_post', 'client_secret_basic', 'private_key_jwt']),
      );
    }
  });

  it('signs in with openid-client’s defaults (a secret and no clientAuthentication), then refreshes', async () => {
    const client = await registerClient({
      client_name: 'Tax refunds (post)',
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(client.token_endpoint_auth_method).toBe('client_secret_post');
    expect(client.client_secret).toMatch(/^[\w-]{43}$/);

    // As openid-client's README has it: no fourth argument, so it sends the secret in the body.
    const config = await oidc.discovery(
      new URL(stack.urls.public),
      client.client_id,
      client.client_secret,
      undefined,
      insecure,
    );
    const tokens = await codeFlow(config, citizen, { scope: 'openid offline_access', prompt: 'consent' });
    expect(tokens.claims()?.iss).toBe(stack.urls.public);
    expect(tokens.refresh_token).toBeDefined();

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    // The secret is checked against its stored hash: a wrong one is refused.
    const wrong = await oidc.discovery(
      new URL(stack.urls.public),
      client.client_id,
      `${client.client_secret}x`,
      undefined,
      insecure,
    );
    await expect(oidc.refreshTokenGrant(wrong, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('is what a department registers itself (RFC 7591), its secret shown once and then only as a hash', async () => {
    const issued = await fetch(`${stack.urls.intranet}/admin/departments/tax/registration-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ zones: ['public'] }),
    });
    expect(issued.status).toBe(201);
    const { initial_access_token } = (await issued.json()) as { initial_access_token: string };
    const registered = await fetch(`${stack.urls.public}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${initial_access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Tax self-service (post)',
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    });
    expect(registered.status).toBe(201);
    const body = (await registered.json()) as Record<string, string>;
    expect(body.token_endpoint_auth_method).toBe('client_secret_post');
    const config = await oidc.discovery(
      new URL(stack.urls.public),
      body.client_id!,
      body.client_secret!,
      undefined,
      insecure,
    );
    expect((await codeFlow(config, citizen)).claims()?.aud).toBe(body.client_id);
    const read = await fetch(body.registration_client_uri!, {
      headers: { authorization: `Bearer ${body.registration_access_token}` },
    });
    expect(((await read.json()) as Record<string, unknown>).client_secret).toBeUndefined();
  });

  it('is a confidential client: client_credentials allowed, and its secret can be rotated', async () => {
    const machine = await registerClient({
      client_name: 'Tax batch (post)',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(machine.client_secret).toBeDefined();
    const rotated = await fetch(`${stack.urls.intranet}/admin/clients/${machine.client_id}/secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'yearly rotation' }),
    });
    expect(rotated.status).toBe(200);
    const { client_secret } = (await rotated.json()) as { client_secret: string };
    expect(client_secret).not.toBe(machine.client_secret);
    const config = await oidc.discovery(
      new URL(stack.urls.public),
      machine.client_id,
      client_secret,
      undefined,
      insecure,
    );
    const tokens = await oidc.clientCredentialsGrant(config, { scope: '' });
    expect(tokens.access_token).toBeDefined();
  });
});

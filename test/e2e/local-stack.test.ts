import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import { ZONES } from '../../libs/config/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0 },
  });
});
afterAll(() => stack?.stop());

describe('local stack', () => {
  it.each(ZONES)('serves the %s zone as its own OIDC issuer', async (zone) => {
    const issuer = stack.urls[zone];
    const config = await oidc.discovery(new URL(issuer), 'discovery-only', undefined, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const metadata = config.serverMetadata();

    expect(metadata.issuer).toBe(issuer);
    const endpoints = Object.entries(metadata).filter(
      ([key]) => key.endsWith('_endpoint') || key === 'jwks_uri',
    );
    expect(endpoints.length).toBeGreaterThanOrEqual(6);
    for (const [, url] of endpoints) expect(String(url).startsWith(`${issuer}/`)).toBe(true);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(['ES256']);

    const jwks = (await (await fetch(metadata.jwks_uri!)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('publishes the same ID token key in every zone, since all zones share one key', async () => {
    const kids = await Promise.all(
      ZONES.map(async (zone) => {
        const jwks = (await (await fetch(`${stack.urls[zone]}/jwks`)).json()) as {
          keys: Array<{ kid: string }>;
        };
        return jwks.keys.map((k) => k.kid).join(',');
      }),
    );
    expect(new Set(kids).size).toBe(1);
  });

  it('answers with security headers and a clear OAuth error for a bad authorization request', async () => {
    const res = await fetch(`${stack.urls.public}/auth?client_id=nobody&response_type=code&scope=openid`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toMatch(/invalid_client|client is invalid/i);
  });
});

describe('local stack restart', () => {
  it('keeps its data and keys between runs of the same data folder', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = await mkdtemp(join(tmpdir(), 'yitong-restart-'));
    try {
      const ports = { public: 0, extranet: 0, intranet: 0 };
      const demoSites = { tax: 0, housing: 0 };
      // Own tables, in case DYNAMODB_ENDPOINT points every test at one shared store.
      const tablePrefix = `restart-${Date.now().toString(36)}`;
      const first = await startLocalStack({ dataDir, ports, demoSites, tablePrefix });
      const before = await (await fetch(`${first.urls.public}/jwks`)).json();
      const written = await new DynamoAuditLog(
        createDynamoClient({ endpoint: first.dynamodbEndpoint }),
        first.tables.audit,
      ).append({ type: 'test.restart', outcome: 'success', zone: 'public' });
      await first.stop();

      const second = await startLocalStack({ dataDir, ports, demoSites, tablePrefix });
      const after = await (await fetch(`${second.urls.public}/jwks`)).json();
      const chains = await new DynamoAuditLog(
        createDynamoClient({ endpoint: second.dynamodbEndpoint }),
        second.tables.audit,
      ).verifyChain({ retention: written.retention, shard: written.shard });
      await second.stop();

      expect(after).toEqual(before);
      expect(chains).toMatchObject({ ok: true, verified: 1, head: { hash: written.hash } });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

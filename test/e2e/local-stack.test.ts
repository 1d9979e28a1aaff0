import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AuditTrail, DynamoAuditLog } from '../../libs/audit/index.ts';
import { ZONES } from '../../libs/config/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

let stack: LocalStack;

const publishedKids = async (issuer: string): Promise<string[]> => {
  const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
  return jwks.keys.map((k) => k.kid);
};

beforeAll(async () => {
  stack = await startLocalDemo({
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

  it("publishes one ID token key in each zone, its own: no zone vouches for another zone's key", async () => {
    const kids = await Promise.all(ZONES.map((zone) => publishedKids(stack.urls[zone])));
    for (const set of kids) expect(set).toHaveLength(1);
    expect(new Set(kids.flat()).size).toBe(ZONES.length);
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
      const first = await startLocalDemo({ dataDir, ports, demoSites, tablePrefix });
      const before = await (await fetch(`${first.urls.public}/jwks`)).json();
      const written = await new DynamoAuditLog(
        createDynamoClient({ endpoint: first.dynamodbEndpoint }),
        first.tables.audit,
      ).append({ type: 'test.restart', outcome: 'success', zone: 'public' });
      await first.stop();

      const second = await startLocalDemo({ dataDir, ports, demoSites, tablePrefix });
      const after = await (await fetch(`${second.urls.public}/jwks`)).json();
      // The first stack sealed what was pending as it stopped; the second verifies it.
      const chains = await new AuditTrail(
        createDynamoClient({ endpoint: second.dynamodbEndpoint }),
        second.tables.audit,
      ).verifyChain({ retention: written.retention, shard: written.shard });
      await second.stop();

      expect(after).toEqual(before);
      expect(chains).toMatchObject({ ok: true, pending: 0 });
      expect(chains.events).toBeGreaterThanOrEqual(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('upgrades a data folder that has the one shared ID token key: a new key per zone, the old one published nowhere', async () => {
    const { mkdtemp, mkdir, rm, writeFile } = await import('node:fs/promises');
    const { generateKeyPairSync } = await import('node:crypto');
    const { calculateJwkThumbprint } = await import('jose');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = await mkdtemp(join(tmpdir(), 'yitong-upgrade-'));
    try {
      // The key file every zone shared before keys were per zone.
      const old = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
      await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
      await writeFile(join(dataDir, 'keys', 'id-token.json'), JSON.stringify({ current: old, retired: [] }), {
        mode: 0o600,
      });
      const oldKid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: old.x!, y: old.y! });
      const upgraded = await startLocalDemo({
        dataDir,
        ports: { public: 0, extranet: 0, intranet: 0 },
        demoSites: false,
        tablePrefix: `upgrade-${Date.now().toString(36)}`,
      });
      try {
        const kids = await Promise.all(ZONES.map((zone) => publishedKids(upgraded.urls[zone])));
        expect(new Set(kids.flat()).size).toBe(ZONES.length);
        expect(kids.flat()).not.toContain(oldKid);
      } finally {
        await upgraded.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { OidcRegistry, RESOURCE_SERVER_MAX_AGE_MS } from '../../libs/oidc/index.ts';
import { freshTables } from '../support/tables.ts';

const server = (department: string) => ({
  audience: 'https://api.water.gov.example',
  name: 'Water API',
  department,
  scopes: ['meters:read'],
  accessTokenTtl: 600,
  routes: {},
});

describe("the issuer's resource servers, reused for a stated age", () => {
  it('reads a registered server again only once its age passed; an unregistered one every time', async () => {
    const { doc, tables } = await freshTables();
    let clock = 0;
    const admin = new OidcRegistry(doc, tables.identity);
    const issuer = new OidcRegistry(doc, tables.identity, {
      resourceServerMaxAgeMs: RESOURCE_SERVER_MAX_AGE_MS,
      now: () => clock,
    });
    const audience = server('water').audience;
    // Not registered yet: not remembered, so a registration counts at once.
    expect(await issuer.findResourceServer(audience)).toBeUndefined();
    await admin.putResourceServer(server('water'));
    expect((await issuer.findResourceServer(audience))?.department).toBe('water');
    // Moved to another department: the issuer keeps what it read until the age passes.
    await admin.putResourceServer(server('tax'));
    clock += RESOURCE_SERVER_MAX_AGE_MS - 1;
    expect((await issuer.findResourceServer(audience))?.department).toBe('water');
    expect((await admin.findResourceServer(audience))?.department).toBe('tax');
    clock += 1;
    expect((await issuer.findResourceServer(audience))?.department).toBe('tax');
  });
});

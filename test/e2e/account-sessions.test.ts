import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountSessions, networkOf } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';

let stack: LocalStack;
let sessions: AccountSessions;

beforeAll(async () => {
  stack = await startTestStack({ memory: true, ports: { public: 0, extranet: 0, intranet: 0 } });
  sessions = new AccountSessions({
    doc: createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    table: stack.tables.identity,
    queues: {},
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a person’s sessions and grants, by account', () => {
  it('are found with the device and the sites signed in to, and end with the grant’s tokens', async () => {
    await registerClient(stack, 'public', 'sessions-site-a');
    const person = await createPerson(stack, { roles: ['citizen'], totp: false });
    const other = await createPerson(stack, { roles: ['citizen'], totp: false });
    const ua = new UserAgent();
    const tokens = await tokensFor(stack, 'public', 'sessions-site-a', person, { ua });
    expect(tokens.access_token).toBeDefined();
    await tokensFor(stack, 'public', 'sessions-site-a', other, {});

    const found = await sessions.sessions(person.accountId);
    expect(found).toHaveLength(1);
    expect(found[0]!.clients.map((c) => c.clientId)).toEqual(['sessions-site-a']);
    expect(found[0]!.clients[0]!.sid).toBeTruthy();
    expect(found[0]!.device).toMatchObject({ zone: 'public', network: '127.0.0.0/24' });
    const grants = await sessions.grants(person.accountId);
    expect(grants.map((g) => g.clientId)).toEqual(['sessions-site-a']);
    expect(grants[0]!.scopes).toContain('openid');

    const ended = await sessions.end(person.accountId, { alsoGrants: () => true });
    expect(ended).toMatchObject({ ended: 1, sessions: 1 });
    expect(await sessions.sessions(person.accountId)).toEqual([]);
    expect(await sessions.grants(person.accountId)).toEqual([]);
    // The other person's session is untouched.
    expect(await sessions.sessions(other.accountId)).toHaveLength(1);
  });

  it('a fresh sign-in for a sensitive change asks again, despite single sign-on', async () => {
    const person = await createPerson(stack, { roles: ['citizen'], totp: false });
    const ua = new UserAgent();
    const onPage = (path: string) => (u: URL) => u.pathname === path;
    await signIn(ua, `${stack.urls.public}/account/login`, onPage('/account/licences'), person);
    // Single sign-on: a second portal sign-in goes straight through.
    const again = await ua.follow(
      `${stack.urls.public}/account/login?returnTo=/account/activity`,
      onPage('/account/activity'),
    );
    expect(new URL(again.url).pathname).toBe('/account/activity');
    // A fresh one asks for the password again, then comes back.
    const fresh = await ua.follow(
      `${stack.urls.public}/account/login?fresh=1&acr=urn:yitong:loa:1&returnTo=/account/activity`,
      onPage('/account/activity'),
    );
    expect(fresh.html).toContain('/login" novalidate');
    const back = await signIn(ua, fresh.url, onPage('/account/activity'), person);
    expect(back.pathname).toBe('/account/activity');
  });

  it('keep only the network of an address', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:1:2::7')).toBe('2001:db8:1::/48');
    expect(networkOf('not an address')).toBeUndefined();
  });
});

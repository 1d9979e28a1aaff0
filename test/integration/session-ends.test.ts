import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import { ActingStore, endRepresentationSessions } from '../../libs/identity/index.ts';
import { DynamoOidcAdapter } from '../../libs/oidc/adapter.ts';
import {
  type BackchannelJob,
  type BackchannelQueue,
  type ClientSession,
  endClientSessions,
} from '../../libs/oidc/index.ts';
import { auditEventsIn } from '../support/audit.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;
let auditTable: string;
const adapter = (model: string) => new DynamoOidcAdapter(model, { doc, tableName: table });

/** A queue that records its jobs (or refuses them, as an unreachable SQS would). */
const recordingQueue = (refuse = false) => {
  const jobs: BackchannelJob[] = [];
  const queue: BackchannelQueue = {
    enqueue: async (job) => {
      if (refuse) throw new Error('queue unavailable');
      jobs.push(job);
    },
  };
  return { jobs, queue };
};

/** A grant with a refresh and an access token issued under it, as oidc-provider stores them. */
const signedInAt = async (grantId: string, clientId: string, accountId = 'acct-1') => {
  await adapter('Grant').upsert(grantId, { jti: grantId, accountId, clientId, kind: 'Grant' }, 600);
  await adapter('RefreshToken').upsert(
    `rt-${grantId}`,
    { jti: `rt-${grantId}`, grantId, accountId, clientId },
    600,
  );
  await adapter('AccessToken').upsert(
    `at-${grantId}`,
    { jti: `at-${grantId}`, grantId, accountId, clientId },
    600,
  );
};
const live = async (grantId: string) => ({
  grant: (await adapter('Grant').find(grantId)) !== undefined,
  refresh: (await adapter('RefreshToken').find(`rt-${grantId}`)) !== undefined,
  access: (await adapter('AccessToken').find(`at-${grantId}`)) !== undefined,
});

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.identity;
  auditTable = fresh.tables.audit;
});

describe('ending sites’ sessions from outside the provider', () => {
  it('ends each grant with its tokens and queues one logout job per site, leaving other grants alone', async () => {
    await signedInAt('g-tax', 'tax-filing');
    await signedInAt('g-other', 'housing-permits');
    const { jobs, queue } = recordingQueue();
    const session: ClientSession = {
      zone: 'public',
      clientId: 'tax-filing',
      accountId: 'acct-1',
      grantId: 'g-tax',
      sid: 'sid-1',
    };
    const result = await endClientSessions({ doc, table, queues: { public: queue } }, [session]);
    expect(result).toEqual({ ended: 1, notified: 1, unnotified: [] });
    expect(await live('g-tax')).toEqual({ grant: false, refresh: false, access: false });
    expect(await live('g-other')).toEqual({ grant: true, refresh: true, access: true });
    expect(jobs).toEqual([{ clientId: 'tax-filing', sub: 'acct-1', sid: 'sid-1' }]);
  });

  it('still ends the grant when the site cannot be told, and says which site was not told', async () => {
    await signedInAt('g-a', 'site-a');
    await signedInAt('g-b', 'site-b');
    const { queue } = recordingQueue(true);
    const a: ClientSession = {
      zone: 'public',
      clientId: 'site-a',
      accountId: 'acct-1',
      grantId: 'g-a',
      sid: 's',
    };
    const b: ClientSession = {
      zone: 'extranet',
      clientId: 'site-b',
      accountId: 'acct-1',
      grantId: 'g-b',
      sid: 's',
    };
    const result = await endClientSessions({ doc, table, queues: { public: queue } }, [a, b]);
    expect(result.notified).toBe(0);
    expect(result.unnotified).toEqual([a, b]);
    expect((await live('g-a')).grant).toBe(false);
    expect((await live('g-b')).refresh).toBe(false);
  });

  it('ends only the sign-ins acting for the revoked company, forgets them, and audits once', async () => {
    const acting = new ActingStore(doc, table);
    const chosenAt = new Date().toISOString();
    await signedInAt('g-co', 'tax-filing', 'agent-1');
    await signedInAt('g-self', 'housing-permits', 'agent-1');
    await acting.choose({
      grantId: 'g-co',
      accountId: 'agent-1',
      clientId: 'tax-filing',
      zone: 'public',
      sid: 'sid-co',
      uscc: '91110108MA01ABCD1E',
      role: 'agent',
      chosenAt,
    });
    await acting.choose({
      grantId: 'g-self',
      accountId: 'agent-1',
      clientId: 'housing-permits',
      zone: 'public',
      chosenAt,
    });
    const { jobs, queue } = recordingQueue();
    const audit = new DynamoAuditLog(doc, auditTable);
    const result = await endRepresentationSessions(
      {
        acting,
        audit,
        endSessions: (sessions) => endClientSessions({ doc, table, queues: { public: queue } }, sessions),
      },
      'agent-1',
      '91110108MA01ABCD1E',
      { zone: 'public', actor: 'rep-1' },
    );
    expect(result).toMatchObject({ ended: 1, notified: 1 });
    expect(jobs).toEqual([{ clientId: 'tax-filing', sub: 'agent-1', sid: 'sid-co' }]);
    expect((await live('g-co')).grant).toBe(false);
    expect(await live('g-self')).toEqual({ grant: true, refresh: true, access: true });
    expect(await acting.choiceOf('g-co')).toBeUndefined();
    expect(await acting.choiceOf('g-self')).toMatchObject({ clientId: 'housing-permits' });
    expect(await acting.actingFor('agent-1', '91110108MA01ABCD1E')).toEqual([]);
    const events = await auditEventsIn(doc, auditTable);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'company.sessions_ended',
        outcome: 'success',
        actor: 'rep-1',
        subject: 'agent-1',
        onBehalfOf: 'company#91110108MA01ABCD1E',
      }),
    ]);
  });
});

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Zone } from '../config/index.ts';
import { DynamoOidcAdapter, revokeGrant } from './adapter.ts';
import { type BackchannelQueue, SqsBackchannelQueue } from './backchannel.ts';

/**
 * One site's part of a person's sign-in: the grant its codes and tokens hang from, and the
 * session id (`sid`) its back-channel logout token names. oidc-provider keeps both in the
 * browser session (`authorizations[clientId]`), per client.
 */
export interface ClientSession {
  /** The zone whose issuer signed the person in (its oidc function sends the logout token). */
  readonly zone: Zone;
  readonly clientId: string;
  readonly accountId: string;
  readonly grantId: string;
  readonly sid?: string;
}

/** The zones' back-channel logout queues (on AWS the zone's SQS queue; locally an in-process one). */
export type BackchannelQueues = Readonly<Partial<Record<Zone, BackchannelQueue>>>;

export interface SessionEndDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly queues: BackchannelQueues;
}

export interface SessionEndResult {
  /** Grants ended: their codes, access and refresh tokens no longer work. */
  readonly ended: number;
  /** Logout tokens handed to a zone's queue (delivered by that zone's oidc function). */
  readonly notified: number;
  /** Sessions whose site could not be told (no queue for the zone, or the queue refused). */
  readonly unnotified: readonly ClientSession[];
}

/**
 * Ends sites' sessions from outside the provider, at once: each grant is destroyed with every
 * code and token issued under it (a refresh fails, userinfo refuses the access token, and the
 * browser's next visit to the site finds no grant and asks again), then the site is told by
 * back-channel logout. Functions other than oidc cannot sign logout tokens: they enqueue a
 * `BackchannelJob` for the zone's oidc function, which signs and delivers it (with retries).
 * Used by revoking an agent (#20); withdrawing consent and signing out everywhere end sessions
 * the same way.
 */
export const endClientSessions = async (
  deps: SessionEndDeps,
  sessions: readonly ClientSession[],
): Promise<SessionEndResult> => {
  const adapterDeps = { doc: deps.doc, tableName: deps.table };
  await Promise.all(
    sessions.map(async (s) => {
      await revokeGrant(adapterDeps, s.grantId);
      await new DynamoOidcAdapter('Grant', adapterDeps).destroy(s.grantId);
    }),
  );
  const unnotified: ClientSession[] = [];
  let notified = 0;
  for (const s of sessions) {
    const queue = deps.queues[s.zone];
    if (!s.sid || !queue) {
      unnotified.push(s);
      continue;
    }
    try {
      await queue.enqueue({ clientId: s.clientId, sub: s.accountId, sid: s.sid });
      notified++;
    } catch {
      unnotified.push(s);
    }
  }
  return { ended: sessions.length, notified, unnotified };
};

/**
 * How a function other than oidc reaches the zones' back-channel logout queues: locally the
 * stack's in-process ones (`local`), on AWS its own zone's SQS queue (a function with
 * `endsSessions` in infra/routes.ts), whose jobs the zone's oidc function signs and delivers.
 * The SQS client loads on first use.
 */
export const backchannelQueuesOf = (o: {
  readonly zone: Zone;
  readonly queueUrl?: string;
  readonly local?: BackchannelQueues;
}): BackchannelQueues => {
  if (o.local) return o.local;
  if (!o.queueUrl) return {};
  let sqs: Promise<import('@aws-sdk/client-sqs').SQSClient> | undefined;
  const client = () => {
    sqs ??= import('@aws-sdk/client-sqs').then(({ SQSClient }) => new SQSClient({}));
    return sqs;
  };
  return { [o.zone]: new SqsBackchannelQueue(client, o.queueUrl) };
};

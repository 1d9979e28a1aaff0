import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Zone } from '../config/index.ts';
import {
  epochSeconds,
  IDENTITY_INDEXES,
  isConditionalCheckFailed,
  isExpired,
  queryAll,
} from '../store/index.ts';
import { oidcItemKey } from './adapter.ts';
import { SessionDevice } from './devices.ts';
import {
  type ClientSession,
  endClientSessions,
  type SessionEndDeps,
  type SessionEndResult,
} from './session-ends.ts';

/** One of a person's browser sessions (single sign-on), as the account centre lists it. */
export interface AccountSession {
  /** The session's id (oidc-provider's `jti`, the session cookie's value): never shown in pages. */
  readonly id: string;
  /** A stable, non-secret handle for the session (oidc-provider's `uid`): what pages name it by. */
  readonly uid: string;
  readonly accountId: string;
  /** Epoch seconds of the sign-in. */
  readonly loginTs?: number;
  /** Epoch seconds after which it is gone. */
  readonly expiresAt?: number;
  readonly acr?: string;
  readonly amr: readonly string[];
  /** The sites signed in to in this session: their grant and `sid`. */
  readonly clients: ReadonlyArray<{
    readonly clientId: string;
    readonly grantId?: string;
    readonly sid?: string;
  }>;
  /** Where it was last used from, when known. */
  readonly device?: SessionDevice;
}

/** One of a person's grants: what a site may see or do for them, until it ends. */
export interface AccountGrant {
  readonly grantId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly claims: readonly string[];
  /** Epoch seconds of the grant's creation and end. */
  readonly issuedAt?: number;
  readonly expiresAt?: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * A person's sessions and grants, found by account (the identity table's `byAccount` index,
 * written by the oidc adapter), and ended from outside the provider: each site told by
 * back-channel logout (`endClientSessions`). The account centre, closing an account and the help
 * desk all end sessions through here.
 */
export class AccountSessions {
  private readonly now: () => number;

  constructor(private readonly deps: SessionEndDeps & { readonly now?: () => number }) {
    this.now = deps.now ?? (() => epochSeconds());
  }

  private async itemsOf(model: 'Session' | 'Grant', accountId: string) {
    const items = await queryAll(this.deps.doc, {
      TableName: this.deps.table,
      IndexName: IDENTITY_INDEXES.byAccount,
      KeyConditionExpression: 'accountKey = :k',
      ExpressionAttributeValues: { ':k': `${model}#${accountId}` },
    });
    return items.filter((i) => !isExpired(i, this.now()) && typeof i.payload === 'string');
  }

  /** The person's live sessions, the most recently used first. */
  async sessions(accountId: string): Promise<AccountSession[]> {
    const sessions = (await this.itemsOf('Session', accountId)).flatMap((item): AccountSession[] => {
      const p = JSON.parse(String(item.payload)) as Record<string, unknown>;
      const id = str(p.jti);
      if (!id || p.accountId !== accountId) return [];
      const authorizations = (p.authorizations ?? {}) as Record<string, Record<string, unknown>>;
      const device = SessionDevice.safeParse(item.device);
      return [
        {
          id,
          uid: str(p.uid) ?? id,
          accountId,
          loginTs: num(p.loginTs),
          expiresAt: num(item.expiresAt),
          acr: str(p.acr),
          amr: Array.isArray(p.amr) ? p.amr.map(String) : [],
          clients: Object.entries(authorizations).map(([clientId, a]) => ({
            clientId,
            grantId: str(a?.grantId),
            sid: str(a?.sid),
          })),
          ...(device.success ? { device: device.data } : {}),
        },
      ];
    });
    const seen = (s: AccountSession) =>
      s.device?.lastSeenAt ?? new Date((s.loginTs ?? 0) * 1000).toISOString();
    return sessions.sort((a, b) => seen(b).localeCompare(seen(a)));
  }

  /** The person's live grants, every site and session. */
  async grants(accountId: string): Promise<AccountGrant[]> {
    return (await this.itemsOf('Grant', accountId)).flatMap((item): AccountGrant[] => {
      const p = JSON.parse(String(item.payload)) as Record<string, unknown>;
      const grantId = str(p.jti);
      const clientId = str(p.clientId);
      if (!grantId || !clientId || p.accountId !== accountId) return [];
      const openid = (p.openid ?? {}) as { scope?: unknown; claims?: unknown };
      return [
        {
          grantId,
          clientId,
          scopes: String(openid.scope ?? '')
            .split(' ')
            .filter(Boolean),
          claims: Array.isArray(openid.claims) ? openid.claims.map(String) : [],
          issuedAt: num(p.iat),
          expiresAt: num(item.expiresAt),
        },
      ];
    });
  }

  /**
   * Removes one site from a browser session (oidc-provider's `authorizations`), as if the person
   * had never signed in to it there; written only over the payload as read (re-read on a race).
   */
  private async forgetClient(sessionId: string, clientId: string): Promise<void> {
    const Key = oidcItemKey('Session', sessionId);
    for (let attempt = 0; attempt < 3; attempt++) {
      const { Item } = await this.deps.doc.send(
        new GetCommand({ TableName: this.deps.table, Key, ConsistentRead: true }),
      );
      if (typeof Item?.payload !== 'string') return;
      const payload = JSON.parse(Item.payload) as { authorizations?: Record<string, unknown> };
      if (!payload.authorizations?.[clientId]) return;
      delete payload.authorizations[clientId];
      try {
        await this.deps.doc.send(
          new UpdateCommand({
            TableName: this.deps.table,
            Key,
            UpdateExpression: 'SET #payload = :next',
            ConditionExpression: '#payload = :read',
            ExpressionAttributeNames: { '#payload': 'payload' },
            ExpressionAttributeValues: { ':next': JSON.stringify(payload), ':read': Item.payload },
          }),
        );
        return;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
  }

  /**
   * Ends the sessions (all of them, or those `which` picks) and every grant they hold, each site
   * told by back-channel logout; with `alsoGrants`, grants outside those sessions too (a site's
   * refresh tokens outlive the browser session). Sessions of another account are never touched.
   */
  async end(
    accountId: string,
    o: {
      readonly which?: (s: AccountSession) => boolean;
      readonly clientId?: string;
      readonly alsoGrants?: (g: AccountGrant) => boolean;
    } = {},
  ): Promise<SessionEndResult & { readonly sessions: number }> {
    const [sessions, grants] = await Promise.all([
      this.sessions(accountId),
      o.alsoGrants ? this.grants(accountId) : Promise.resolve([]),
    ]);
    const chosen = sessions.filter((s) => o.which?.(s) ?? true);
    const ending = new Map<string, ClientSession>();
    for (const s of chosen) {
      for (const c of s.clients) {
        if (!c.grantId || (o.clientId && c.clientId !== o.clientId)) continue;
        ending.set(c.grantId, {
          zone: s.device?.zone ?? ('public' as Zone),
          clientId: c.clientId,
          accountId,
          grantId: c.grantId,
          ...(c.sid ? { sid: c.sid } : {}),
        });
      }
    }
    for (const g of grants) {
      if (ending.has(g.grantId) || !o.alsoGrants?.(g)) continue;
      // No browser session names it: nothing to tell the site, but its tokens end.
      ending.set(g.grantId, { zone: 'public', clientId: g.clientId, accountId, grantId: g.grantId });
    }
    const result = await endClientSessions(this.deps, [...ending.values()]);
    // Withdrawing one site keeps the person signed in to the others: the sessions only forget the
    // site, so a later sign-out tells it nothing more (found by the outside attack).
    const clientId = o.clientId;
    if (clientId)
      await Promise.all(
        chosen
          .filter((s) => s.clients.some((c) => c.clientId === clientId))
          .map((s) => this.forgetClient(s.id, clientId)),
      );
    // Only whole sessions end when no one site was named.
    if (!o.clientId) {
      await Promise.all(
        chosen.map((s) =>
          this.deps.doc.send(
            new DeleteCommand({ TableName: this.deps.table, Key: oidcItemKey('Session', s.id) }),
          ),
        ),
      );
    }
    return {
      ...result,
      unnotified: result.unnotified.filter((s) => s.sid),
      sessions: o.clientId ? 0 : chosen.length,
    };
  }
}

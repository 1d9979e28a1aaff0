import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_INDEXES, epochSeconds } from '../store/index.ts';
import { type ChainLink, type ChainProblem, type ChainVerification, verifyChainItems } from './chain.ts';
import {
  type ChainRef,
  chainKey,
  chainsOf,
  DEFAULT_SHARDS,
  eventPartition,
  GENESIS_HASH,
  sealPartition,
  seqKey,
} from './event.ts';
import { isWellFormedEvent } from './log.ts';
import { CLOCK_SKEW_MS, newestSeal, type Seal, type SealEntry } from './seal.ts';

/** A seal as stored, with its sort key. */
export type StoredSeal = Seal & { readonly sk: string };

/** One chain's verification: its seals' links, then every event they list, then any left unsealed. */
export interface SealedChainVerification extends ChainVerification {
  /** Events whose hashes matched their seal. */
  readonly events: number;
  /** Events written within the sealing grace that no seal lists yet: normal, not a problem. */
  readonly pending: number;
  /** When the oldest seal still stored was written. */
  readonly firstSealedAt?: string;
}

export interface TrailOptions {
  /** Write shards per retention class, as the writers use. @default DEFAULT_SHARDS */
  readonly shards?: number;
  /** An event no seal lists after this long is reported `unsealed` (sealing takes about a second). @default 30 */
  readonly sealGraceSeconds?: number;
  readonly now?: () => Date;
}

/**
 * The reader of the sealed trail: a chain's seals and events, and their verification. Reads
 * only; needs no write permission.
 */
export class AuditTrail {
  readonly shards: number;
  readonly sealGraceSeconds: number;
  private readonly now: () => Date;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    options: TrailOptions = {},
  ) {
    this.shards = options.shards ?? DEFAULT_SHARDS;
    this.sealGraceSeconds = options.sealGraceSeconds ?? 30;
    this.now = options.now ?? (() => new Date());
  }

  /** Every chain there is: each retention class times the shards. */
  chains(): ChainRef[] {
    return chainsOf(this.shards);
  }

  /** A chain's seals in order, from `fromSeq` to `toSeq` inclusive when given. */
  async readSeals(
    chain: ChainRef,
    range: { readonly fromSeq?: number; readonly toSeq?: number } = {},
  ): Promise<StoredSeal[]> {
    const bounded = range.fromSeq !== undefined || range.toSeq !== undefined;
    const items = await this.queryAll({
      KeyConditionExpression: bounded ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk',
      ExpressionAttributeValues: {
        ':pk': sealPartition(chain),
        ...(bounded
          ? { ':from': seqKey(range.fromSeq ?? 0), ':to': seqKey(range.toSeq ?? 999_999_999_999) }
          : {}),
      },
    });
    // The partition key is the chain's, not part of the seal's content.
    return items.map(({ pk: _pk, ...seal }) => seal as unknown as StoredSeal);
  }

  /** Every stored item of a chain's event partition, in key (time) order. */
  readEventItems(chain: ChainRef): Promise<Record<string, unknown>[]> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': eventPartition(chain) },
    });
  }

  /** When the oldest seal still stored was written, of any chain (undefined when there is none). */
  async oldestSealedAt(): Promise<string | undefined> {
    const firsts = await Promise.all(
      this.chains().map(async (chain) => {
        const { Items } = await this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': sealPartition(chain) },
            ConsistentRead: true,
            Limit: 1,
          }),
        );
        return typeof Items?.[0]?.sealedAt === 'string' ? Items[0].sealedAt : undefined;
      }),
    );
    return firsts.filter((t): t is string => t !== undefined).sort()[0];
  }

  /** The newest seal of a chain, read consistently. */
  head(chain: ChainRef): Promise<StoredSeal | undefined> {
    return newestSeal(this.doc, this.table, chain);
  }

  /** The first seal of a chain written at or after `time` less the clock skew: where an event's seal can start. */
  async firstSealFrom(chain: ChainRef, time: string): Promise<number | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: AUDIT_INDEXES.bySeal,
        KeyConditionExpression: 'sealOf = :c AND sealedAt >= :t',
        ExpressionAttributeValues: {
          ':c': chainKey(chain),
          ':t': new Date(Date.parse(time) - CLOCK_SKEW_MS).toISOString(),
        },
        Limit: 1,
      }),
    );
    const sk = Items?.[0]?.sk;
    return typeof sk === 'string' ? Number(sk) : undefined;
  }

  /**
   * Walks a chain's seals from its oldest unexpired one, then checks every event each seal
   * lists against its hash, then looks for events no seal lists.
   */
  async verifyChain(
    chain: ChainRef,
    options: { readonly remember?: ReadonlySet<number> } = {},
  ): Promise<SealedChainVerification> {
    const [seals, items] = await Promise.all([this.readSeals(chain), this.readEventItems(chain)]);
    const now = this.now();
    // Anything in the seal partition that is not a seal as the sealer writes it is named first.
    const odd = seals.find((seal) => !isWellFormedSeal(seal, chain));
    if (odd) {
      const seq = /^\d{12}$/.test(String(odd.sk)) ? Number(odd.sk) : 0;
      return {
        chain: chainKey(chain),
        retention: chain.retention,
        shard: chain.shard,
        ok: false,
        verified: 0,
        from: 1,
        head: { seq: 0, hash: GENESIS_HASH },
        problem: {
          kind: 'altered',
          seq,
          eventId: undefined,
          message: `the item at seal key ${String(odd.sk)} is not a seal as the sealer writes it (its fields or their types are wrong)`,
        },
        events: 0,
        pending: 0,
      };
    }
    const walk = verifyChainItems(
      chain,
      seals,
      { seq: 0, hash: GENESIS_HASH },
      { now: epochSeconds(now), remember: options.remember },
    );
    return {
      ...walk,
      ...checkSealedEvents(walk, seals, items, now, this.sealGraceSeconds, this.shards),
      ...(seals[0] ? { firstSealedAt: seals[0].sealedAt } : {}),
    };
  }

  async verifyAll(): Promise<SealedChainVerification[]> {
    return Promise.all(this.chains().map((chain) => this.verifyChain(chain)));
  }

  private async queryAll(query: {
    readonly KeyConditionExpression: string;
    readonly ExpressionAttributeValues: Record<string, unknown>;
  }): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          ...query,
          ConsistentRead: true,
          ExclusiveStartKey: cursor,
        }),
      );
      items.push(...(page.Items ?? []));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return items;
  }
}

/** Whether a stored item is, key and all, exactly the event its seal entry hashed. */
export const matchesEntry = (item: Record<string, unknown>, hash: string, shards = DEFAULT_SHARDS): boolean =>
  item.hash === hash && isWellFormedEvent(item, shards);

/** A seal's entries, when the seal is well-formed: a list of {k, h, x} (else undefined). */
export const entriesOf = (seal: StoredSeal): readonly SealEntry[] | undefined => {
  const events: unknown = seal.events;
  if (!Array.isArray(events)) return undefined;
  const ok = events.every(
    (e: unknown) =>
      typeof e === 'object' &&
      e !== null &&
      typeof (e as SealEntry).k === 'string' &&
      typeof (e as SealEntry).h === 'string' &&
      typeof (e as SealEntry).x === 'number',
  );
  return ok ? (events as SealEntry[]) : undefined;
};

const eventIdOfKey = (k: string): string => k.slice(k.indexOf('#') + 1);

/** The event half of a chain's verification, after its seals walked (`walk`). */
const checkSealedEvents = (
  walk: ChainVerification,
  seals: readonly StoredSeal[],
  items: readonly Record<string, unknown>[],
  now: Date,
  graceSeconds: number,
  shards: number,
): Pick<SealedChainVerification, 'ok' | 'problem' | 'events' | 'pending'> => {
  const nowSeconds = epochSeconds(now);
  const byKey = new Map(items.map((item) => [String(item.sk), item]));
  // One event, one id: a second item with an event's id (at another time) was planted.
  const ids = new Map<string, string>();
  for (const item of items) {
    if (typeof item.eventId !== 'string') continue;
    const other = ids.get(item.eventId);
    if (other !== undefined) {
      return {
        ok: false,
        problem: {
          kind: 'inserted',
          seq: walk.head.seq,
          eventId: item.eventId,
          message: `two items have the event id ${item.eventId} (at ${other} and ${String(item.sk)}): one was planted`,
        },
        events: 0,
        pending: 0,
      };
    }
    ids.set(item.eventId, String(item.sk));
  }
  const listed = new Set<string>();
  let events = 0;
  const fail = (problem: ChainProblem) => ({ ok: false, problem, events, pending: 0 });
  for (const seal of seals) {
    if (seal.seq < walk.from || seal.seq > walk.head.seq) continue;
    const entries = entriesOf(seal);
    if (!entries) {
      return fail({
        kind: 'altered',
        seq: seal.seq,
        eventId: undefined,
        message: `seal ${seal.seq} is malformed: its list of events is not one the sealer writes`,
      });
    }
    for (const entry of entries) {
      const eventId = eventIdOfKey(entry.k);
      if (listed.has(entry.k)) {
        return fail({
          kind: 'inserted',
          seq: seal.seq,
          eventId,
          message: `event ${eventId} is listed by two seals (seal ${seal.seq} lists it again)`,
        });
      }
      listed.add(entry.k);
      const item = byKey.get(entry.k);
      if (!item) {
        if (entry.x <= nowSeconds) continue; // expired under retention: the store may delete it
        return fail({
          kind: 'removed',
          seq: seal.seq,
          eventId,
          message: `event ${eventId}, sealed by seal ${seal.seq}, is missing and had not expired`,
        });
      }
      if (!matchesEntry(item, entry.h, shards)) {
        return fail({
          kind: 'altered',
          seq: seal.seq,
          eventId,
          message: `event ${eventId} does not match what seal ${seal.seq} recorded: its content or its keys were changed`,
        });
      }
      events++;
    }
  }
  if (!walk.ok) return { ok: false, problem: walk.problem, events, pending: 0 };
  let pending = 0;
  for (const item of items) {
    const sk = String(item.sk);
    if (listed.has(sk)) continue;
    const expiresAt = Number(item.expiresAt);
    if (Number.isFinite(expiresAt) && expiresAt <= nowSeconds) continue;
    const eventId = typeof item.eventId === 'string' ? item.eventId : eventIdOfKey(sk);
    const age = now.getTime() - Date.parse(String(item.time));
    // Not what a writer writes (wrong key, shard, index keys or hash), or dated in the future:
    // the sealer refuses it, so no grace can make it pending.
    if (!isWellFormedEvent(item, shards) || Number.isNaN(age) || age < -CLOCK_SKEW_MS) {
      return fail({
        kind: 'inserted',
        seq: walk.head.seq,
        eventId,
        message: `the item at ${sk} is not a well-formed event of this chain (its key, shard, hash or time is wrong): it was planted`,
      });
    }
    if (age <= graceSeconds * 1000) {
      pending++;
      continue;
    }
    return fail({
      kind: 'unsealed',
      seq: walk.head.seq,
      eventId,
      message: `event ${eventId} was written ${Math.round(age / 1000)} s ago and no seal lists it: it was planted, or the sealer is stopped`,
    });
  }
  return { ok: true, events, pending };
};

/** Whether a stored seal has every field, of the right type, for its chain (its hash is checked by the walk). */
export const isWellFormedSeal = (seal: StoredSeal, chain: ChainRef): boolean =>
  /^\d{12}$/.test(String(seal.sk)) &&
  Number.isInteger(seal.seq) &&
  seal.seq === Number(seal.sk) &&
  typeof seal.hash === 'string' &&
  typeof seal.prevHash === 'string' &&
  Number.isInteger(seal.expiresAt) &&
  Number.isInteger(seal.prevExpiresAt) &&
  typeof seal.sealedAt === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(seal.sealedAt) &&
  seal.chain === chainKey(chain) &&
  seal.sealOf === chainKey(chain) &&
  entriesOf(seal) !== undefined;

/** The link of a seal, for proofs. */
export const linkOf = (seal: StoredSeal): ChainLink => ({ seq: seal.seq, hash: seal.hash });

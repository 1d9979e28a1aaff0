import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../store/index.ts';
import { eventHash } from './chain.ts';
import {
  type ChainedEvent,
  type ChainRef,
  chainKey,
  chainsOf,
  DEFAULT_SHARDS,
  eventPartition,
  eventSortKey,
  GENESIS_HASH,
  sealPartition,
  seqKey,
} from './event.ts';
import { isWellFormedEvent, stripKey } from './log.ts';

/** One sealed event: its sort key, its hash and its expiry. */
export interface SealEntry {
  readonly k: string;
  readonly h: string;
  readonly x: number;
}

/**
 * A link of a chain: the hashes of a batch of its shard's events, the previous seal's hash and
 * a sequence number. `hash` covers every other field. Only the sealer writes seals.
 */
export interface Seal {
  readonly chain: string;
  readonly seq: number;
  readonly prevHash: string;
  /** The predecessor's expiry (0 for the first): a gap before this seal is lawful only after it. */
  readonly prevExpiresAt: number;
  /** When the seal may be deleted: after every event it lists, never before its predecessor. */
  readonly expiresAt: number;
  readonly sealedAt: string;
  /** The chain again, as the key of the seal-time index. */
  readonly sealOf: string;
  readonly events: readonly SealEntry[];
  readonly hash: string;
}

/** Clocks of the writers and the sealer may differ by this much (Lambda clocks are NTP-synced). */
export const CLOCK_SKEW_MS = 60_000;
/** At most this many events per seal (about 140 bytes each, far below the 400 KB item limit). */
const MAX_PER_SEAL = 500;

export interface SealRun {
  /** Events sealed by this run. */
  readonly sealed: number;
  /** Seals written. */
  readonly seals: number;
  /** Events skipped because a seal already lists them (a redelivered stream record). */
  readonly already: number;
  /** Keys of items that are not well-formed events of a known chain: never sealed, alerted on. */
  readonly refused: readonly string[];
}

interface ChainState {
  seq: number;
  hash: string;
  expiresAt: number;
  /** Sort keys sealed, with when: every seal written since `coveredFrom` is in here. */
  readonly sealed: Map<string, number>;
  coveredFrom: number;
}

/**
 * Chains each shard's events in batches: the one writer of seals. On AWS it runs on the audit
 * table's stream (every event arrives at least once); locally a poller feeds it. A seal is a
 * conditional put at the next position of its chain: two sealers never both take one, and an
 * event a seal already lists is never listed again.
 */
export class AuditSealer {
  readonly shards: number;
  private readonly now: () => Date;
  private readonly chainsByPartition: ReadonlyMap<string, ChainRef>;
  private readonly states = new Map<string, ChainState>();
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    options: { readonly shards?: number; readonly now?: () => Date } = {},
  ) {
    this.shards = options.shards ?? DEFAULT_SHARDS;
    this.now = options.now ?? (() => new Date());
    this.chainsByPartition = new Map(chainsOf(this.shards).map((chain) => [eventPartition(chain), chain]));
  }

  chains(): ChainRef[] {
    return [...this.chainsByPartition.values()];
  }

  /** Seals stored event items (with their keys), each exactly once. */
  async seal(items: readonly Record<string, unknown>[]): Promise<SealRun> {
    const refused: string[] = [];
    const byChain = new Map<string, { chain: ChainRef; events: ChainedEvent[] }>();
    const latest = this.now().getTime() + CLOCK_SKEW_MS;
    for (const item of items) {
      const chain = this.chainsByPartition.get(String(item.pk));
      const event = stripKey(item);
      // Never an event from the future: its time would keep it out of every look-back.
      if (!chain || !isWellFormedEvent(item, this.shards) || Date.parse(event.time) > latest) {
        refused.push(`${String(item.pk)} ${String(item.sk)}`);
        continue;
      }
      const group = byChain.get(chainKey(chain)) ?? { chain, events: [] };
      group.events.push(event);
      byChain.set(chainKey(chain), group);
    }
    const runs = await Promise.all(
      [...byChain.values()].map(({ chain, events }) =>
        this.inTurn(chain, () => this.sealChain(chain, events)),
      ),
    );
    return {
      sealed: runs.reduce((n, r) => n + r.sealed, 0),
      seals: runs.reduce((n, r) => n + r.seals, 0),
      already: runs.reduce((n, r) => n + r.already, 0),
      refused: [...refused, ...runs.flatMap((r) => r.refused)],
    };
  }

  /**
   * The local twin's poller (the embedded store has no stream): seals every event written in
   * the last `lookbackSeconds` that no seal lists yet. With `catchUp` (after a restart), from
   * shortly before each chain's newest seal.
   */
  async sealPending(options: { readonly lookbackSeconds?: number; readonly catchUp?: boolean } = {}) {
    const lookback = (options.lookbackSeconds ?? 120) * 1000;
    const recent = new Date(this.now().getTime() - lookback).toISOString();
    const items: Record<string, unknown>[] = [];
    await Promise.all(
      this.chains().map(async (chain) => {
        // Catching up (after a restart): from shortly before the chain's newest seal, or from its start.
        const since = options.catchUp ? await this.catchUpFrom(chain, lookback) : recent;
        let cursor: Record<string, unknown> | undefined;
        do {
          const page = await this.doc.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'pk = :pk AND sk > :since',
              ExpressionAttributeValues: { ':pk': eventPartition(chain), ':since': since },
              ConsistentRead: true,
              ExclusiveStartKey: cursor,
            }),
          );
          items.push(...(page.Items ?? []));
          cursor = page.LastEvaluatedKey;
        } while (cursor);
      }),
    );
    return this.seal(items);
  }

  private async catchUpFrom(chain: ChainRef, lookback: number): Promise<string> {
    const newest = await newestSeal(this.doc, this.table, chain);
    const at = newest ? Date.parse(String(newest.sealedAt)) : Number.NaN;
    return Number.isNaN(at) ? '' : new Date(at - CLOCK_SKEW_MS - lookback).toISOString();
  }

  /** Runs one chain's sealing after the last one queued in this container. */
  private inTurn<T>(chain: ChainRef, work: () => Promise<T>): Promise<T> {
    const key = chainKey(chain);
    const mine = (this.turns.get(key) ?? Promise.resolve()).then(work);
    const settled = mine.catch(() => undefined);
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return mine;
  }

  private async sealChain(chain: ChainRef, events: ChainedEvent[]) {
    // Any earlier seal of these events was written after the oldest of them (less the skew).
    const oldest = Math.min(this.now().getTime(), ...events.map((e) => Date.parse(e.time)));
    let state = await this.stateFor(chain, oldest - CLOCK_SKEW_MS);
    let sealed = 0;
    let seals = 0;
    const wanted = new Map(events.map((e) => [eventSortKey(e.time, e.eventId), e]));
    // One event, one id: a second item with a sealed (or batched) event's id is refused.
    const idOf = (k: string) => k.slice(k.indexOf('#') + 1);
    const ids = new Map([...state.sealed.keys()].map((k) => [idOf(k), k]));
    const refused: string[] = [];
    for (const [k, e] of [...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const other = ids.get(e.eventId);
      if (other !== undefined && other !== k) {
        wanted.delete(k);
        refused.push(`${eventPartition(chain)} ${k}`);
      } else ids.set(e.eventId, k);
    }
    for (let attempt = 0; attempt < 16; attempt++) {
      const fresh = [...wanted.entries()]
        .filter(([k]) => !state.sealed.has(k))
        .sort(([a], [b]) => (a < b ? -1 : 1));
      if (fresh.length === 0) break;
      const batch = fresh.slice(0, MAX_PER_SEAL);
      const sealedAt = this.now();
      const entries = batch.map(([k, e]) => ({ k, h: e.hash, x: e.expiresAt }));
      const content: Omit<Seal, 'hash'> = {
        chain: chainKey(chain),
        seq: state.seq + 1,
        prevHash: state.hash,
        prevExpiresAt: state.expiresAt,
        expiresAt: Math.max(state.expiresAt, ...entries.map((e) => e.x)),
        sealedAt: sealedAt.toISOString(),
        sealOf: chainKey(chain),
        events: entries,
      };
      const seal: Seal = { ...content, hash: eventHash(content) };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: sealPartition(chain), sk: seqKey(seal.seq), ...seal },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
        // Another sealer took the position: learn what it sealed, then try again.
        state = await this.load(chain, oldest - CLOCK_SKEW_MS);
        continue;
      }
      state.seq = seal.seq;
      state.hash = seal.hash;
      state.expiresAt = seal.expiresAt;
      for (const entry of entries) state.sealed.set(entry.k, sealedAt.getTime());
      sealed += entries.length;
      seals++;
      attempt = -1; // progress: the attempt budget is for contention only
    }
    const left = [...wanted.keys()].filter((k) => !state.sealed.has(k)).length;
    if (left > 0)
      throw new Error(`audit chain ${chainKey(chain)} stayed contended: ${left} events not sealed yet`);
    this.prune(state);
    return { sealed, seals, already: wanted.size - sealed, refused };
  }

  /** The chain's tip and what it sealed since `from` (ms), from this container's memory when it covers that. */
  private async stateFor(chain: ChainRef, from: number): Promise<ChainState> {
    const known = this.states.get(chainKey(chain));
    if (known && known.coveredFrom <= from) return known;
    return this.load(chain, from);
  }

  /** Reads a chain's seals newest first, back to the first one sealed before `from` (ms). */
  private async load(chain: ChainRef, from: number): Promise<ChainState> {
    const state: ChainState = {
      seq: 0,
      hash: GENESIS_HASH,
      expiresAt: 0,
      sealed: new Map(),
      coveredFrom: Number.NEGATIVE_INFINITY,
    };
    let cursor: Record<string, unknown> | undefined;
    let first = true;
    read: do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': sealPartition(chain) },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: 25,
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of page.Items ?? []) {
        const seal = item as unknown as Seal;
        if (first) {
          state.seq = Number(seal.seq);
          state.hash = String(seal.hash);
          state.expiresAt = Number(seal.expiresAt);
          first = false;
        }
        const at = Date.parse(String(seal.sealedAt));
        for (const entry of Array.isArray(seal.events) ? seal.events : []) state.sealed.set(entry.k, at);
        if (at < from) {
          state.coveredFrom = from;
          break read;
        }
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    this.states.set(chainKey(chain), state);
    return state;
  }

  /** Forgets sealed keys older than ten minutes; an older event arriving again reloads. */
  private prune(state: ChainState): void {
    const horizon = this.now().getTime() - 10 * 60_000;
    if (state.coveredFrom >= horizon - CLOCK_SKEW_MS) return;
    for (const [k, at] of state.sealed) if (at < horizon) state.sealed.delete(k);
    state.coveredFrom = Math.max(state.coveredFrom, horizon);
  }
}

/** The newest seal of a chain as stored (keys stripped), read consistently. */
export const newestSeal = async (
  doc: DynamoDBDocumentClient,
  table: string,
  chain: ChainRef,
): Promise<(Seal & { readonly sk: string }) | undefined> => {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': sealPartition(chain) },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  const item = Items?.[0];
  if (!item) return undefined;
  const { pk: _pk, ...seal } = item;
  return seal as unknown as Seal & { readonly sk: string };
};

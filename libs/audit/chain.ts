import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { type ChainedEvent, type ChainRef, chainKey, seqKey } from './event.ts';

/** The hash of an event covers every field but the hash itself, including its position. */
export const eventHash = (event: Omit<ChainedEvent, 'hash'>): string => {
  const { hash: _ignored, ...content } = event as ChainedEvent;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
};

export type ChainProblemKind = 'altered' | 'removed' | 'inserted';

export interface ChainProblem {
  readonly kind: ChainProblemKind;
  /** Sequence number the problem is at: the altered or inserted event, or the first missing one. */
  readonly seq: number;
  readonly eventId: string | undefined;
  readonly message: string;
}

export interface ChainLink {
  readonly seq: number;
  readonly hash: string;
}

export interface ChainVerification {
  /** The chain's key, `chain#<retention>#<shard>`. */
  readonly chain: string;
  readonly retention: ChainRef['retention'];
  readonly shard: number;
  readonly ok: boolean;
  /** Events that verified before the first problem (all of them when ok). */
  readonly verified: number;
  /** The first sequence number verified; events before it expired under retention (1 when none did). */
  readonly from: number;
  /** The last verified link: with a signed checkpoint of the same head, proof of the range. */
  readonly head: ChainLink;
  readonly problem?: ChainProblem;
  /** Links passed on the way, by sequence number, for the checkpoint comparison. */
  readonly passed?: ReadonlyMap<number, string>;
}

/** A stored item: the chained event plus its key, which verification also checks. */
export type StoredChainItem = ChainedEvent & { readonly sk: string };

/**
 * Walks a chain's events in key order from a trusted starting link and names the first
 * altered, removed or inserted event. An inserted event is one the chain does not pass
 * through: nothing links to it, or it claims a position another genuine event holds. A gap
 * is lawful only where retention expired it: the event after the gap carries its
 * predecessor's expiry inside its hash, and that time must have passed.
 */
export const verifyChainItems = (
  chain: ChainRef,
  items: readonly StoredChainItem[],
  start: ChainLink,
  options: { readonly now: number; readonly remember?: ReadonlySet<number> },
): ChainVerification => {
  let head = start;
  let from = start.seq + 1;
  let previous: StoredChainItem | undefined;
  let verified = 0;
  const passed = new Map<number, string>();
  const base = { chain: chainKey(chain), retention: chain.retention, shard: chain.shard };
  const fail = (
    kind: ChainProblemKind,
    seq: number,
    event: StoredChainItem | undefined,
    message: string,
  ): ChainVerification => ({
    ...base,
    ok: false,
    verified,
    from,
    head,
    passed,
    problem: { kind, seq, eventId: event?.eventId, message },
  });

  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const next = items[i + 1];
    const { sk: _sk, ...event } = item;
    if (eventHash(event) !== item.hash) {
      return fail(
        'altered',
        item.seq,
        item,
        `event ${item.seq} does not match its hash: its content was changed`,
      );
    }
    if (
      item.prevHash !== head.hash &&
      item.seq > head.seq + 1 &&
      item.sk === seqKey(item.seq) &&
      typeof item.prevExpiresAt === 'number' &&
      item.prevExpiresAt <= options.now &&
      item.expiresAt >= item.prevExpiresAt &&
      // Expiry never decreases: what expired after the last verified event cannot predate it.
      (previous === undefined || previous.expiresAt <= item.prevExpiresAt) &&
      next?.prevHash !== head.hash
    ) {
      // Everything before this event has expired (expiry never decreases along a chain):
      // the store may have deleted any of it. Resume from this event's own link.
      head = { seq: item.seq - 1, hash: item.prevHash };
      from = item.seq;
      previous = undefined;
    }
    if (item.prevHash === head.hash) {
      if (item.seq !== head.seq + 1 || item.sk !== seqKey(item.seq)) {
        return fail('inserted', item.seq, item, `event at key ${item.sk} is out of sequence`);
      }
      previous = item;
      head = { seq: item.seq, hash: item.hash };
      if (options.remember?.has(item.seq)) passed.set(item.seq, item.hash);
      verified++;
      continue;
    }
    if (previous && item.prevHash === previous.prevHash) {
      // Two events claim the same predecessor: the genuine one is the one the chain continues from.
      const forged = next?.prevHash === item.hash ? previous : item;
      return fail(
        'inserted',
        forged.seq,
        forged,
        `event ${forged.seq} is not part of the chain: it was inserted`,
      );
    }
    if (next?.prevHash === head.hash) {
      return fail(
        'inserted',
        item.seq,
        item,
        `event at key ${item.sk} is not part of the chain: it was inserted`,
      );
    }
    if (item.seq > head.seq + 1) {
      // Before the first event found, older ones may have expired lawfully: the one certainly
      // removed is the predecessor this event says had not expired.
      const missing = previous === undefined ? item.seq - 1 : head.seq + 1;
      return fail(
        'removed',
        missing,
        item,
        `event ${missing} is missing and had not expired: the chain resumes at ${item.seq}`,
      );
    }
    // In position but not linked: the event before it was rewritten, hash and all.
    verified = Math.max(0, verified - 1);
    return fail(
      'altered',
      head.seq,
      previous,
      `event ${head.seq} was rewritten: the next event no longer links to it`,
    );
  }
  return { ...base, ok: true, verified, from, head, passed };
};

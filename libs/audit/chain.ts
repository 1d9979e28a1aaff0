import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { type ChainRef, chainKey, seqKey } from './event.ts';

/** The hash of an event or a seal covers every field but the hash itself. */
export const eventHash = (content: object): string => {
  const { hash: _ignored, ...rest } = content as { hash?: unknown };
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
};

/**
 * `altered`: an event or seal no longer matches its hash; `removed`: one is missing that had
 * not expired; `inserted`: one is not part of the chain (or sealed twice); `unsealed`: an event
 * older than the sealing grace that no seal lists.
 */
export type ChainProblemKind = 'altered' | 'removed' | 'inserted' | 'unsealed';

export interface ChainProblem {
  readonly kind: ChainProblemKind;
  /** The seal the problem is at (the one listing the event), or the first missing seal. */
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
  /** Seals that verified before the first problem (all of them when ok). */
  readonly verified: number;
  /** The first seal verified; seals before it expired under retention (1 when none did). */
  readonly from: number;
  /** The last verified seal: with a signed checkpoint of the same head, proof of the range. */
  readonly head: ChainLink;
  readonly problem?: ChainProblem;
  /** Links passed on the way, by sequence number, for the checkpoint comparison. */
  readonly passed?: ReadonlyMap<number, string>;
}

/** A link of a chain as stored (a seal), with its sort key, which verification also checks. */
export interface StoredChainItem {
  readonly sk: string;
  readonly seq: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly expiresAt: number;
  /** The predecessor's expiry: a gap before this link is lawful only if this time has passed. */
  readonly prevExpiresAt: number;
  readonly eventId?: string;
}

/**
 * Walks a chain's seals in key order from a trusted starting link and names the first
 * altered, removed or inserted seal. An inserted seal is one the chain does not pass
 * through: nothing links to it, or it claims a position another genuine seal holds. A gap
 * is lawful only where retention expired it: the seal after the gap carries its
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
    const { sk: _sk, ...link } = item;
    if (eventHash(link) !== item.hash) {
      return fail(
        'altered',
        item.seq,
        item,
        `seal ${item.seq} does not match its hash: its content was changed`,
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
      // Everything before this seal has expired (expiry never decreases along a chain):
      // the store may have deleted any of it. Resume from this seal's own link.
      head = { seq: item.seq - 1, hash: item.prevHash };
      from = item.seq;
      previous = undefined;
    }
    if (item.prevHash === head.hash) {
      if (item.seq !== head.seq + 1 || item.sk !== seqKey(item.seq)) {
        return fail('inserted', item.seq, item, `seal at key ${item.sk} is out of sequence`);
      }
      previous = item;
      head = { seq: item.seq, hash: item.hash };
      if (options.remember?.has(item.seq)) passed.set(item.seq, item.hash);
      verified++;
      continue;
    }
    if (previous && item.prevHash === previous.prevHash) {
      // Two seals claim the same predecessor: the genuine one is the one the chain continues from.
      const forged = next?.prevHash === item.hash ? previous : item;
      return fail(
        'inserted',
        forged.seq,
        forged,
        `seal ${forged.seq} is not part of the chain: it was inserted`,
      );
    }
    if (next?.prevHash === head.hash) {
      return fail(
        'inserted',
        item.seq,
        item,
        `seal at key ${item.sk} is not part of the chain: it was inserted`,
      );
    }
    if (item.seq > head.seq + 1) {
      // Before the first seal found, older ones may have expired lawfully: the one certainly
      // removed is the predecessor this event says had not expired.
      const missing = previous === undefined ? item.seq - 1 : head.seq + 1;
      return fail(
        'removed',
        missing,
        item,
        `seal ${missing} is missing and had not expired: the chain resumes at ${item.seq}`,
      );
    }
    // In position but not linked: the seal before it was rewritten, hash and all.
    verified = Math.max(0, verified - 1);
    return fail(
      'altered',
      head.seq,
      previous,
      `seal ${head.seq} was rewritten: the next seal no longer links to it`,
    );
  }
  return { ...base, ok: true, verified, from, head, passed };
};

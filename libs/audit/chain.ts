import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { type ChainedEvent, seqKey } from './event.ts';

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

export interface ChainVerification {
  readonly shard: number;
  readonly ok: boolean;
  /** Events that verified before the first problem (all of them when ok). */
  readonly verified: number;
  /** The last verified link: with a signed checkpoint of the same head, proof of the range. */
  readonly head: { readonly seq: number; readonly hash: string };
  readonly problem?: ChainProblem;
}

/** A stored item: the chained event plus its key, which verification also checks. */
export type StoredChainItem = ChainedEvent & { readonly sk: string };

/**
 * Walks a shard's events in key order from a trusted starting link and names the first
 * altered, removed or inserted event. An inserted event is one the chain does not pass
 * through: nothing links to it, or it claims a position another genuine event holds.
 */
export const verifyChainItems = (
  shard: number,
  items: readonly StoredChainItem[],
  start: { readonly seq: number; readonly hash: string },
): ChainVerification => {
  let head = start;
  let previous: StoredChainItem | undefined;
  let verified = 0;
  const fail = (
    kind: ChainProblemKind,
    seq: number,
    event: StoredChainItem | undefined,
    message: string,
  ) => ({
    shard,
    ok: false,
    verified,
    head,
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
    if (item.prevHash === head.hash) {
      if (item.seq !== head.seq + 1 || item.sk !== seqKey(item.seq)) {
        return fail('inserted', item.seq, item, `event at key ${item.sk} is out of sequence`);
      }
      previous = item;
      head = { seq: item.seq, hash: item.hash };
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
      return fail(
        'removed',
        head.seq + 1,
        item,
        `event ${head.seq + 1} is missing: the chain resumes at ${item.seq}`,
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
  return { shard, ok: true, verified, head };
};

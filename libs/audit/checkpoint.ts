import { createHash, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { base64url, compactVerify, createLocalJWKSet } from 'jose';
import * as z from 'zod';
import { DEFAULT_RETENTION, type RetentionDays } from '../config/index.ts';
import type { Keyring, Signer } from '../keys/index.ts';
import { epochSeconds, isConditionalCheckFailed } from '../store/index.ts';
import {
  type ChainLink,
  type ChainProblem,
  type ChainProblemKind,
  eventHash,
  verifyChainItems,
} from './chain.ts';
import {
  CHECKPOINT_PARTITION,
  type ChainedEvent,
  type ChainRef,
  chainKey,
  eventSortKey,
  GENESIS_HASH,
  seqKey,
} from './event.ts';
import { findItemsById, stripKey } from './log.ts';
import { type AuditTrail, entriesOf, linkOf, matchesEntry, type SealedChainVerification } from './trail.ts';

const CHECKPOINT_TYP = 'audit-checkpoint+jwt';

const Head = z.strictObject({
  chain: z.string(),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  expiresAt: z.number().int().min(0),
});
const CheckpointClaims = z.object({
  iat: z.number().int(),
  jti: z.string(),
  /** This checkpoint's position in the chain of checkpoints (1 for the first). */
  seq: z.number().int().min(1),
  /** SHA-256 (hex) of the previous checkpoint's JWS; zeros for the first. */
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  heads: z.array(Head),
});
export type CheckpointHead = z.infer<typeof Head>;

/** A signed statement of every chain's head at one moment, as stored. */
export interface Checkpoint {
  readonly checkpointId: string;
  readonly createdAt: string;
  /** Its position in the chain of checkpoints: the key it is stored under. */
  readonly seq: number;
  readonly heads: readonly CheckpointHead[];
  /** Compact JWS (ES256, `typ: audit-checkpoint+jwt`) over seq, prev and the heads, signed by the audit-checkpoint key. */
  readonly jws: string;
}

const jwsHash = (jws: string): string => createHash('sha256').update(jws).digest('hex');

/**
 * Signs the current head of every chain of seals, and the hash of the previous checkpoint,
 * through the Signer port (KMS on AWS), and stores it at the next position of the chain of
 * checkpoints. Runs on every schedule even when no chain moved: the newest checkpoint's age
 * is how verification knows none was withheld. Refuses to extend a chain whose newest
 * checkpoint does not verify.
 */
export const createCheckpoint = async (deps: {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly trail: AuditTrail;
  readonly signer: Signer;
  readonly keyring: Keyring;
  readonly retention?: RetentionDays;
  /** The schedule: with no checkpoint at all, seals older than twice this mean the chain was removed. @default 900 */
  readonly checkpointEverySeconds?: number;
  /** Start a new chain of checkpoints although seals older than the schedule exist (after an investigation). */
  readonly newChain?: boolean;
  readonly now?: Date;
}): Promise<{ checkpoint: Checkpoint; created: boolean }> => {
  const now = deps.now ?? new Date();
  const heads = await Promise.all(
    deps.trail.chains().map(async (chain): Promise<CheckpointHead> => {
      const tip = await deps.trail.head(chain);
      return {
        chain: chainKey(chain),
        seq: tip?.seq ?? 0,
        hash: tip?.hash ?? GENESIS_HASH,
        expiresAt: tip?.expiresAt ?? 0,
      };
    }),
  );
  for (let attempt = 0; attempt < 3; attempt++) {
    const latest = await newestCheckpoint(deps.doc, deps.table);
    let seq = 1;
    let prev = GENESIS_HASH;
    if (latest) {
      const signed = await verifyCheckpoint(deps.keyring, latest);
      if (!signed.ok || signed.claims.seq !== latest.seq)
        throw new Error(
          `the newest audit checkpoint (key ${seqKey(latest.seq)}) does not verify: ${signed.ok ? `it is signed as checkpoint ${signed.claims.seq}` : signed.reason}; not extending it`,
        );
      seq = latest.seq + 1;
      prev = jwsHash(latest.jws);
    } else if (!deps.newChain) {
      // No checkpoint, yet seals older than the schedule: the checkpoints were removed. A new
      // chain would make verification's "missing" go away; it takes a deliberate decision.
      const oldest = await deps.trail.oldestSealedAt();
      const due = now.getTime() - (2 * (deps.checkpointEverySeconds ?? 900) + 60) * 1000;
      if (oldest && Date.parse(oldest) < due)
        throw new Error(
          `there is no audit checkpoint, but seals from ${oldest} exist: the chain of checkpoints was removed. ` +
            'Not starting a new one; investigate (the archive holds every checkpoint), then start one deliberately',
        );
    }
    const checkpointId = randomUUID();
    const header = base64url.encode(
      JSON.stringify({ alg: 'ES256', typ: CHECKPOINT_TYP, kid: deps.signer.kid }),
    );
    const payload = base64url.encode(
      JSON.stringify({ iat: epochSeconds(now), jti: checkpointId, seq, prev, heads }),
    );
    const signature = await deps.signer.sign(new TextEncoder().encode(`${header}.${payload}`));
    const checkpoint: Checkpoint = {
      checkpointId,
      createdAt: now.toISOString(),
      seq,
      heads,
      jws: `${header}.${payload}.${base64url.encode(signature)}`,
    };
    const keepDays = (deps.retention ?? DEFAULT_RETENTION).security;
    try {
      await deps.doc.send(
        new PutCommand({
          TableName: deps.table,
          Item: {
            pk: CHECKPOINT_PARTITION,
            sk: seqKey(seq),
            ...checkpoint,
            expiresAt: epochSeconds(now) + keepDays * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { checkpoint, created: true };
    } catch (err: unknown) {
      // Another run (the CLI and the schedule) took the position: chain onto it instead.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
  throw new Error('three checkpoint runs raced for the same position; try again');
};

const toCheckpoint = (item: Record<string, unknown>): Checkpoint => ({
  checkpointId: String(item.checkpointId),
  createdAt: String(item.createdAt),
  seq: /^\d{12}$/.test(String(item.sk)) ? Number(item.sk) : Number.NaN,
  heads: Array.isArray(item.heads) ? (item.heads as CheckpointHead[]) : [],
  jws: String(item.jws),
});

/** The stored checkpoint at the highest position (its signature is checked by `verifyCheckpoint`, not here). */
export const newestCheckpoint = async (
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Checkpoint | undefined> => {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CHECKPOINT_PARTITION },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  return Items?.[0] ? toCheckpoint(Items[0]) : undefined;
};

/** Every stored checkpoint, oldest position first. */
const allCheckpoints = async (doc: DynamoDBDocumentClient, table: string): Promise<Checkpoint[]> => {
  const found: Checkpoint[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': CHECKPOINT_PARTITION },
        ConsistentRead: true,
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) found.push(toCheckpoint(item));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return found;
};

type SignedClaims = z.infer<typeof CheckpointClaims>;

/** Checks a checkpoint's signature against the audit-checkpoint keys; returns what it signs. */
export const verifyCheckpoint = async (
  keyring: Keyring,
  checkpoint: Checkpoint,
): Promise<{ ok: true; claims: SignedClaims; kid: string } | { ok: false; reason: string }> => {
  const keys = createLocalJWKSet({ keys: [...(await keyring.publicKeys('audit-checkpoint'))] });
  try {
    const { payload, protectedHeader } = await compactVerify(checkpoint.jws, keys, { algorithms: ['ES256'] });
    if (protectedHeader.typ !== CHECKPOINT_TYP) return { ok: false, reason: 'not an audit checkpoint' };
    const claims = CheckpointClaims.parse(JSON.parse(new TextDecoder().decode(payload)));
    if (claims.jti !== checkpoint.checkpointId)
      return { ok: false, reason: 'the stored checkpoint does not match its signed statement' };
    return { ok: true, claims, kid: String(protectedHeader.kid) };
  } catch (err: unknown) {
    return {
      ok: false,
      reason: `signature does not verify with the audit-checkpoint keys (${err instanceof Error ? err.message : 'invalid'})`,
    };
  }
};

/**
 * `replayed`: a genuine checkpoint stored at a position it was not signed for; `forged`: its
 * signature fails; `removed`: a position is missing; `broken`: it does not sign its
 * predecessor's hash; `stale`: the newest is older than the schedule allows; `missing`: the
 * trail has sealed events but no checkpoint.
 */
export type CheckpointProblemKind = 'replayed' | 'forged' | 'removed' | 'broken' | 'stale' | 'missing';

export interface CheckpointProblem {
  readonly kind: CheckpointProblemKind;
  /** The position (storage key) the problem is at. */
  readonly seq: number;
  readonly checkpointId?: string;
  readonly message: string;
}

export interface CheckpointChainReport {
  readonly ok: boolean;
  /** Checkpoints that verified and linked. */
  readonly verified: number;
  readonly problems: readonly CheckpointProblem[];
}

interface GenuineCheckpoint {
  readonly stored: Checkpoint;
  readonly claims: SignedClaims;
  readonly kid: string;
}

/**
 * Walks the chain of checkpoints oldest first: each must verify, be signed for the position it
 * is stored at, and sign its predecessor's hash. Returns the newest genuine one (by its signed
 * sequence number, never by storage key alone) and every problem found on the way.
 */
export const verifyCheckpointChain = async (
  keyring: Keyring,
  stored: readonly Checkpoint[],
  options: { readonly now: Date; readonly maxAgeSeconds: number },
): Promise<{
  report: CheckpointChainReport;
  newest?: GenuineCheckpoint;
  genuine: readonly GenuineCheckpoint[];
}> => {
  const genuine: GenuineCheckpoint[] = [];
  const problems: CheckpointProblem[] = [];
  let previous: GenuineCheckpoint | undefined;
  let verified = 0;
  for (const checkpoint of stored) {
    const signed = await verifyCheckpoint(keyring, checkpoint);
    const at = { seq: checkpoint.seq, checkpointId: checkpoint.checkpointId };
    if (!signed.ok) {
      problems.push({
        kind: 'forged',
        ...at,
        message: `checkpoint at position ${checkpoint.seq}: ${signed.reason}`,
      });
      continue;
    }
    if (signed.claims.seq !== checkpoint.seq) {
      problems.push({
        kind: 'replayed',
        ...at,
        message: `the checkpoint at position ${Number.isNaN(checkpoint.seq) ? 'outside the sequence' : checkpoint.seq} is checkpoint ${signed.claims.seq} signed ${new Date(signed.claims.iat * 1000).toISOString()}: an old checkpoint was put back`,
      });
      continue;
    }
    if (previous) {
      if (signed.claims.seq !== previous.claims.seq + 1) {
        problems.push({
          kind: 'removed',
          seq: previous.claims.seq + 1,
          message: `checkpoints ${previous.claims.seq + 1}–${signed.claims.seq - 1} are missing`,
        });
      } else if (signed.claims.prev !== jwsHash(previous.stored.jws)) {
        problems.push({
          kind: 'broken',
          ...at,
          message: `checkpoint ${signed.claims.seq} does not sign the hash of checkpoint ${previous.claims.seq}`,
        });
        continue;
      }
    }
    previous = { stored: checkpoint, claims: signed.claims, kid: signed.kid };
    genuine.push(previous);
    verified++;
  }
  if (previous) {
    const age = epochSeconds(options.now) - previous.claims.iat;
    if (age > options.maxAgeSeconds) {
      problems.push({
        kind: 'stale',
        seq: previous.claims.seq,
        checkpointId: previous.stored.checkpointId,
        message: `the newest checkpoint (${previous.claims.seq}) was signed ${Math.round(age / 60)} minutes ago; one is due every ${Math.round(options.maxAgeSeconds / 120)} minutes: newer ones were withheld or removed, or the job is stopped`,
      });
    }
  }
  return { report: { ok: problems.length === 0, verified, problems }, newest: previous, genuine };
};

export interface ChainReport extends Omit<SealedChainVerification, 'passed'> {
  /** The signed head this chain was checked against, when one covers it. */
  readonly signedHead?: CheckpointHead;
  /** Seals after the signed head: they link to it, but no signature covers them yet. */
  readonly unsigned: number;
}

export interface TrailVerification {
  readonly ok: boolean;
  readonly checkedAt: string;
  /** The newest genuine checkpoint, which the chains were compared with. */
  readonly checkpoint?: {
    readonly checkpointId: string;
    readonly createdAt: string;
    readonly seq: number;
    readonly ok: boolean;
    readonly kid?: string;
    readonly jws: string;
  };
  readonly checkpoints: CheckpointChainReport;
  readonly chains: readonly ChainReport[];
}

/**
 * Verifies the chain of checkpoints, then every chain of seals from its oldest unexpired seal
 * (and every event the seals list) against the newest genuine checkpoint: a chain rewritten
 * wholesale or cut short since the checkpoint is named even though its links alone would pass.
 */
export const verifyTrail = async (deps: {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly trail: AuditTrail;
  readonly keyring: Keyring;
  /** How often the checkpoint job runs; the newest may be at most twice this (plus a minute) old. @default 900 */
  readonly checkpointEverySeconds?: number;
  readonly now?: Date;
}): Promise<TrailVerification> => {
  const now = deps.now ?? new Date();
  const maxAgeSeconds = 2 * (deps.checkpointEverySeconds ?? 900) + 60;
  const stored = await allCheckpoints(deps.doc, deps.table);
  const { report, newest, genuine } = await verifyCheckpointChain(deps.keyring, stored, {
    now,
    maxAgeSeconds,
  });
  const heads = new Map(newest ? newest.claims.heads.map((h) => [h.chain, h]) : []);
  const chains = await Promise.all(
    deps.trail.chains().map(async (chain): Promise<ChainReport> => {
      const head = heads.get(chainKey(chain));
      // Every genuine checkpoint's head of this chain, newest first: each must still be there.
      const signed = genuine
        .map((c) => ({
          checkpoint: c.claims.seq,
          head: c.claims.heads.find((h) => h.chain === chainKey(chain)),
        }))
        .filter(
          (s): s is { checkpoint: number; head: CheckpointHead } => s.head !== undefined && s.head.seq > 0,
        )
        .reverse();
      const result = await deps.trail.verifyChain(chain, {
        remember: new Set([...(head ? [head.seq] : []), ...signed.map((s) => s.head.seq)]),
      });
      const report = compareWithCheckpoint(result, head, epochSeconds(now));
      return report.ok ? compareWithEarlier(report, result, signed, epochSeconds(now)) : report;
    }),
  );
  const problems = [...report.problems];
  const due = now.getTime() - maxAgeSeconds * 1000;
  if (!newest && chains.some((c) => c.firstSealedAt !== undefined && Date.parse(c.firstSealedAt) < due)) {
    problems.push({
      kind: 'missing',
      seq: 0,
      message: 'the trail has seals older than the checkpoint schedule allows, but no signed checkpoint',
    });
  }
  const checkpoints = { ...report, ok: problems.length === 0, problems };
  return {
    ok: chains.every((c) => c.ok) && checkpoints.ok,
    checkedAt: now.toISOString(),
    ...(newest
      ? {
          checkpoint: {
            checkpointId: newest.stored.checkpointId,
            createdAt: newest.stored.createdAt,
            seq: newest.claims.seq,
            ok: true,
            kid: newest.kid,
            jws: newest.stored.jws,
          },
        }
      : {}),
    checkpoints,
    chains,
  };
};

/**
 * A chain against every earlier checkpoint's head of it: a seal an earlier checkpoint signed
 * must still have the hash it signed (unless it has since expired). This holds history even
 * when the newest checkpoints were removed and signed again over a rewritten chain.
 */
const compareWithEarlier = (
  report: ChainReport,
  result: SealedChainVerification,
  signed: ReadonlyArray<{ readonly checkpoint: number; readonly head: CheckpointHead }>,
  now: number,
): ChainReport => {
  for (const { checkpoint, head } of signed) {
    if (head.expiresAt <= now) continue;
    const problem = (p: ChainProblem): ChainReport => ({ ...report, ok: false, problem: p });
    if (head.seq > result.head.seq) {
      return problem({
        kind: 'removed',
        seq: result.head.seq + 1,
        eventId: undefined,
        message: `checkpoint ${checkpoint} saw this chain reach seal ${head.seq}; it now ends at ${result.head.seq}`,
      });
    }
    if (head.seq >= result.from && result.passed?.get(head.seq) !== head.hash) {
      return problem({
        kind: 'altered',
        seq: head.seq,
        eventId: undefined,
        message: `seal ${head.seq} differs from the one checkpoint ${checkpoint} signed: the chain was rewritten up to here`,
      });
    }
  }
  return report;
};

const compareWithCheckpoint = (
  result: SealedChainVerification,
  head: CheckpointHead | undefined,
  now: number,
): ChainReport => {
  const { passed, ...report } = result;
  if (!head || !result.ok || head.seq === 0)
    return { ...report, unsigned: result.head.seq - (head?.seq ?? 0) };
  const problem = (p: ChainProblem): ChainReport => ({ ...report, ok: false, problem: p, unsigned: 0 });
  if (head.seq > result.head.seq) {
    if (head.expiresAt <= now) return { ...report, unsigned: 0 };
    return problem({
      kind: 'removed',
      seq: result.head.seq + 1,
      eventId: undefined,
      message: `the signed checkpoint saw this chain reach seal ${head.seq}; it now ends at ${result.head.seq}`,
    });
  }
  if (head.seq >= result.from && passed?.get(head.seq) !== head.hash) {
    return problem({
      kind: 'altered',
      seq: head.seq,
      eventId: undefined,
      message: `seal ${head.seq} differs from the one the signed checkpoint saw: the chain was rewritten up to here`,
    });
  }
  return { ...report, signedHead: head, unsigned: result.head.seq - head.seq };
};

/**
 * What the proof found, as a code and the numbers it rests on, for pages to put into words
 * (libs/audit renders nothing; `message` is the same in English for the API and logs).
 * `broken`: the event or a seal after it fails at seal `seq`; `misplaced`: the event is not
 * stored where its fields say; `pending`: written moments ago, not sealed yet; `uncovered`:
 * sealed and linked to the current head `headSeq`, which no checkpoint covers yet; `covered`:
 * linked to the signed head; `diverged`: the chain no longer reaches the signed head unchanged.
 */
export type ProofResult =
  | { readonly code: 'broken'; readonly kind: ChainProblemKind; readonly seq: number }
  | { readonly code: 'misplaced' }
  | { readonly code: 'pending' }
  | { readonly code: 'uncovered'; readonly headSeq: number }
  | { readonly code: 'covered'; readonly headSeq: number; readonly signedAt: string }
  | { readonly code: 'diverged'; readonly headSeq: number };

export interface EventProof {
  readonly ok: boolean;
  readonly result: ProofResult;
  /** The seal that lists the event, and each later seal's link to it, up to the head checked. */
  readonly links: readonly ChainLink[];
  readonly signedHead?: CheckpointHead;
  readonly checkpoint?: { readonly checkpointId: string; readonly createdAt: string; readonly kid?: string };
  readonly message: string;
}

/**
 * The proof that one event is intact: its hash, the seal that lists it, then each later seal's
 * link up to a head that the newest checkpoint signs. Reads only that stretch of the chain.
 */
export const proveEvent = async (deps: {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly trail: AuditTrail;
  readonly keyring: Keyring;
  readonly event: ChainedEvent;
  /** Longest stretch of seals to walk. @default 5000 */
  readonly maxLinks?: number;
  readonly now?: Date;
}): Promise<EventProof> => {
  const { event, trail } = deps;
  const now = deps.now ?? new Date();
  const maxLinks = deps.maxLinks ?? 5000;
  const chain: ChainRef = { retention: event.retention, shard: event.shard };
  const copies = await findItemsById(deps.doc, deps.table, event.eventId);
  if (copies.length > 1) {
    return {
      ok: false,
      result: { code: 'broken', kind: 'inserted', seq: 0 },
      links: [],
      message: `${copies.length} items have this event id: one of them was planted`,
    };
  }
  const item = copies[0];
  const key = eventSortKey(event.time, event.eventId);
  const broken = (
    kind: ChainProblemKind,
    seq: number,
    message: string,
    links: ChainLink[] = [],
  ): EventProof => ({
    ok: false,
    result: { code: 'broken', kind, seq },
    links,
    message,
  });
  if (!item || item.sk !== key) {
    return {
      ok: false,
      result: { code: 'misplaced' },
      links: [],
      message: 'the event is not where its fields say',
    };
  }
  if (eventHash(stripKey(item)) !== item.hash) {
    return broken('altered', 0, 'the event does not match its own hash: its content was changed');
  }
  const newest = await newestCheckpoint(deps.doc, deps.table);
  const signed = newest ? await verifyCheckpoint(deps.keyring, newest) : undefined;
  const genuine = signed?.ok && signed.claims.seq === newest?.seq ? signed : undefined;
  const head = genuine?.claims.heads.find((h) => h.chain === chainKey(chain));
  const from = await trail.firstSealFrom(chain, event.time);
  const seals =
    from === undefined
      ? []
      : await trail.readSeals(chain, {
          fromSeq: from,
          toSeq: Math.min(from + maxLinks, Math.max(head?.seq ?? 0, from + 64)),
        });
  const at = seals.findIndex((seal) => entriesOf(seal)?.some((e) => e.k === key));
  if (at < 0) {
    const age = now.getTime() - Date.parse(event.time);
    if (age <= trail.sealGraceSeconds * 1000)
      return {
        ok: true,
        result: { code: 'pending' },
        links: [],
        message: 'written moments ago: it is sealed into its chain within seconds',
      };
    return broken('unsealed', 0, `no seal lists this event ${Math.round(age / 1000)} s after it was written`);
  }
  const seal = seals[at]!;
  if (!matchesEntry(item, entriesOf(seal)!.find((e) => e.k === key)!.h, trail.shards)) {
    return broken('altered', seal.seq, `the event does not match the hash seal ${seal.seq} recorded`);
  }
  const walk = verifyChainItems(
    chain,
    seals.slice(at),
    { seq: seal.seq - 1, hash: seal.prevHash },
    { now: epochSeconds(now), remember: new Set(head ? [head.seq] : []) },
  );
  const links = seals.slice(at, at + walk.verified).map(linkOf);
  if (!walk.ok) return broken(walk.problem!.kind, walk.problem!.seq, walk.problem!.message, links);
  if (!head || head.seq < seal.seq) {
    return {
      ok: true,
      result: { code: 'uncovered', headSeq: walk.head.seq },
      links,
      message: `sealed by seal ${seal.seq}, which links to the current head (seal ${walk.head.seq}); no signed checkpoint covers it yet`,
    };
  }
  const matches = walk.passed?.get(head.seq) === head.hash;
  return {
    ok: matches,
    result: matches
      ? { code: 'covered', headSeq: head.seq, signedAt: newest!.createdAt }
      : { code: 'diverged', headSeq: head.seq },
    links,
    signedHead: head,
    checkpoint: { checkpointId: newest!.checkpointId, createdAt: newest!.createdAt, kid: genuine!.kid },
    message: matches
      ? `covered by the checkpoint signed ${newest!.createdAt}: seal ${seal.seq} lists it, ${links.length} seals link to the signed head ${head.seq}`
      : `the chain no longer reaches the signed head ${head.seq} unchanged`,
  };
};

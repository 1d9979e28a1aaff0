import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { base64url, compactVerify, createLocalJWKSet } from 'jose';
import * as z from 'zod';
import { DEFAULT_RETENTION, type RetentionDays } from '../config/index.ts';
import type { Keyring, Signer } from '../keys/index.ts';
import { epochSeconds } from '../store/index.ts';
import {
  type ChainLink,
  type ChainProblem,
  type ChainProblemKind,
  type ChainVerification,
  verifyChainItems,
} from './chain.ts';
import { type ChainedEvent, type ChainRef, chainKey } from './event.ts';
import type { DynamoAuditLog } from './log.ts';

const CHECKPOINT_PK = 'checkpoint';
const CHECKPOINT_TYP = 'audit-checkpoint+jwt';

const Head = z.strictObject({
  chain: z.string(),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  expiresAt: z.number().int().min(0),
});
const CheckpointClaims = z.object({ iat: z.number().int(), jti: z.string(), heads: z.array(Head) });
export type CheckpointHead = z.infer<typeof Head>;

/** A signed statement of every chain's head at one moment, as stored. */
export interface Checkpoint {
  readonly checkpointId: string;
  readonly createdAt: string;
  readonly heads: readonly CheckpointHead[];
  /** Compact JWS (ES256, `typ: audit-checkpoint+jwt`) over the heads, signed by the audit-checkpoint key. */
  readonly jws: string;
}

/**
 * Signs the current head of every chain through the Signer port (KMS on AWS) and stores it.
 * Anything appended before a checkpoint can no longer be rewritten, removed or truncated
 * without verification naming it. Skips (returns the latest) when nothing changed since.
 */
export const createCheckpoint = async (deps: {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly log: DynamoAuditLog;
  readonly signer: Signer;
  readonly retention?: RetentionDays;
  readonly now?: Date;
}): Promise<{ checkpoint: Checkpoint; created: boolean }> => {
  const now = deps.now ?? new Date();
  const heads: CheckpointHead[] = [];
  for (const chain of deps.log.chains()) {
    const tip = await deps.log.head(chain);
    heads.push({
      chain: chainKey(chain),
      seq: tip?.seq ?? 0,
      hash: tip?.hash ?? '0'.repeat(64),
      expiresAt: tip?.expiresAt ?? 0,
    });
  }
  const latest = await latestCheckpoint(deps.doc, deps.table);
  if (latest && JSON.stringify(latest.heads) === JSON.stringify(heads))
    return { checkpoint: latest, created: false };
  const checkpointId = randomUUID();
  const header = base64url.encode(
    JSON.stringify({ alg: 'ES256', typ: CHECKPOINT_TYP, kid: deps.signer.kid }),
  );
  const payload = base64url.encode(JSON.stringify({ iat: epochSeconds(now), jti: checkpointId, heads }));
  const signature = await deps.signer.sign(new TextEncoder().encode(`${header}.${payload}`));
  const checkpoint: Checkpoint = {
    checkpointId,
    createdAt: now.toISOString(),
    heads,
    jws: `${header}.${payload}.${base64url.encode(signature)}`,
  };
  const keepDays = (deps.retention ?? DEFAULT_RETENTION).security;
  await deps.doc.send(
    new PutCommand({
      TableName: deps.table,
      Item: {
        pk: CHECKPOINT_PK,
        sk: `${checkpoint.createdAt}#${checkpointId}`,
        ...checkpoint,
        expiresAt: epochSeconds(now) + keepDays * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { checkpoint, created: true };
};

/** The newest stored checkpoint (its signature is checked by `verifyCheckpoint`, not here). */
export const latestCheckpoint = async (
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Checkpoint | undefined> => {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CHECKPOINT_PK },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  const item = Items?.[0];
  if (!item) return undefined;
  return {
    checkpointId: String(item.checkpointId),
    createdAt: String(item.createdAt),
    heads: Array.isArray(item.heads) ? (item.heads as CheckpointHead[]) : [],
    jws: String(item.jws),
  };
};

/** Checks a checkpoint's signature against the audit-checkpoint keys; returns the heads it signs. */
export const verifyCheckpoint = async (
  keyring: Keyring,
  checkpoint: Checkpoint,
): Promise<{ ok: true; heads: readonly CheckpointHead[]; kid: string } | { ok: false; reason: string }> => {
  const keys = createLocalJWKSet({ keys: [...(await keyring.publicKeys('audit-checkpoint'))] });
  try {
    const { payload, protectedHeader } = await compactVerify(checkpoint.jws, keys, { algorithms: ['ES256'] });
    if (protectedHeader.typ !== CHECKPOINT_TYP) return { ok: false, reason: 'not an audit checkpoint' };
    const claims = CheckpointClaims.parse(JSON.parse(new TextDecoder().decode(payload)));
    if (claims.jti !== checkpoint.checkpointId)
      return { ok: false, reason: 'the stored checkpoint does not match its signed statement' };
    return { ok: true, heads: claims.heads, kid: String(protectedHeader.kid) };
  } catch (err: unknown) {
    return {
      ok: false,
      reason: `signature does not verify with the audit-checkpoint keys (${err instanceof Error ? err.message : 'invalid'})`,
    };
  }
};

export interface ChainReport extends Omit<ChainVerification, 'passed'> {
  /** The signed head this chain was checked against, when one covers it. */
  readonly signedHead?: CheckpointHead;
  /** Events after the signed head: they link to it, but no signature covers them yet. */
  readonly unsigned: number;
}

export interface TrailVerification {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly checkpoint?: {
    readonly checkpointId: string;
    readonly createdAt: string;
    readonly ok: boolean;
    readonly kid?: string;
    readonly reason?: string;
    readonly jws: string;
  };
  readonly chains: readonly ChainReport[];
}

/**
 * Verifies every chain from its oldest unexpired event and checks each against the latest
 * signed checkpoint: a chain rewritten wholesale (every hash recomputed) or cut short since
 * the checkpoint is named even though its links alone would pass. The range from each
 * chain's `from` to its signed head is proven untouched.
 */
export const verifyTrail = async (deps: {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly log: DynamoAuditLog;
  readonly keyring: Keyring;
  readonly now?: Date;
}): Promise<TrailVerification> => {
  const now = deps.now ?? new Date();
  const stored = await latestCheckpoint(deps.doc, deps.table);
  const signed = stored ? await verifyCheckpoint(deps.keyring, stored) : undefined;
  const heads = new Map(signed?.ok ? signed.heads.map((h) => [h.chain, h]) : []);
  const chains = await Promise.all(
    deps.log.chains().map(async (chain): Promise<ChainReport> => {
      const head = heads.get(chainKey(chain));
      const result = await deps.log.verifyChain(chain, { remember: new Set(head ? [head.seq] : []) });
      return compareWithCheckpoint(result, head, epochSeconds(now));
    }),
  );
  return {
    ok: chains.every((c) => c.ok) && (signed === undefined || signed.ok),
    checkedAt: now.toISOString(),
    ...(stored && signed
      ? {
          checkpoint: {
            checkpointId: stored.checkpointId,
            createdAt: stored.createdAt,
            ok: signed.ok,
            ...(signed.ok ? { kid: signed.kid } : { reason: signed.reason }),
            jws: stored.jws,
          },
        }
      : {}),
    chains,
  };
};

const compareWithCheckpoint = (
  result: ChainVerification,
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
      message: `the signed checkpoint saw this chain reach event ${head.seq}; it now ends at ${result.head.seq}`,
    });
  }
  if (head.seq >= result.from && passed?.get(head.seq) !== head.hash) {
    return problem({
      kind: 'altered',
      seq: head.seq,
      eventId: undefined,
      message: `event ${head.seq} differs from the one the signed checkpoint saw: the chain was rewritten up to here`,
    });
  }
  return { ...report, signedHead: head, unsigned: result.head.seq - head.seq };
};

/**
 * What the proof found, as a code and the numbers it rests on, for pages to put into words
 * (libs/audit renders nothing; `message` is the same in English for the API and logs).
 * `broken`: the walk found a problem at `seq`; `misplaced`: the event is not at its position;
 * `checkpoint-invalid`: the latest checkpoint's signature fails; `uncovered`: intact to the
 * current head `headSeq`, no checkpoint covers it yet; `covered`: intact to the signed head;
 * `diverged`: the chain no longer reaches the signed head unchanged.
 */
export type ProofResult =
  | { readonly code: 'broken'; readonly kind: ChainProblemKind; readonly seq: number }
  | { readonly code: 'misplaced' }
  | { readonly code: 'checkpoint-invalid' }
  | { readonly code: 'uncovered'; readonly headSeq: number }
  | { readonly code: 'covered'; readonly headSeq: number; readonly signedAt: string }
  | { readonly code: 'diverged'; readonly headSeq: number };

export interface EventProof {
  readonly ok: boolean;
  readonly result: ProofResult;
  /** Links walked from the event forward. */
  readonly links: readonly ChainLink[];
  readonly signedHead?: CheckpointHead;
  readonly checkpoint?: { readonly checkpointId: string; readonly createdAt: string; readonly kid?: string };
  readonly message: string;
}

/**
 * The proof that one event is intact: its hash, then each later event's link to it, up to a
 * head that a signed checkpoint names. Reads only that stretch of the chain.
 */
export const proveEvent = async (deps: {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly log: DynamoAuditLog;
  readonly keyring: Keyring;
  readonly event: ChainedEvent;
  /** Longest stretch to walk. @default 5000 */
  readonly maxLinks?: number;
}): Promise<EventProof> => {
  const { event } = deps;
  const chain: ChainRef = { retention: event.retention, shard: event.shard };
  const stored = await latestCheckpoint(deps.doc, deps.table);
  const signed = stored ? await verifyCheckpoint(deps.keyring, stored) : undefined;
  const head = signed?.ok ? signed.heads.find((h) => h.chain === chainKey(chain)) : undefined;
  const covered = head !== undefined && head.seq >= event.seq;
  const toSeq = covered ? head.seq : event.seq + (deps.maxLinks ?? 5000);
  const items = await deps.log.read(chain, {
    fromSeq: event.seq,
    toSeq: Math.min(toSeq, event.seq + (deps.maxLinks ?? 5000)),
  });
  const walk = verifyChainItems(
    chain,
    items,
    { seq: event.seq - 1, hash: event.prevHash },
    { now: epochSeconds(), remember: new Set(head ? [head.seq] : []) },
  );
  const links = items.slice(0, walk.verified).map((i) => ({ seq: i.seq, hash: i.hash }));
  const first = items[0];
  if (!first || first.eventId !== event.eventId || !walk.ok) {
    return {
      ok: false,
      result: walk.problem
        ? { code: 'broken', kind: walk.problem.kind, seq: walk.problem.seq }
        : { code: 'misplaced' },
      links,
      message: walk.problem?.message ?? 'the event is not where its chain position says',
    };
  }
  if (signed && !signed.ok) {
    return {
      ok: false,
      result: { code: 'checkpoint-invalid' },
      links,
      message: `latest checkpoint: ${signed.reason}`,
    };
  }
  if (!covered) {
    return {
      ok: true,
      result: { code: 'uncovered', headSeq: walk.head.seq },
      links,
      message: `links to the current head (event ${walk.head.seq}); no signed checkpoint covers it yet`,
    };
  }
  const matches = walk.passed?.get(head.seq) === head.hash;
  return {
    ok: matches,
    result: matches
      ? { code: 'covered', headSeq: head.seq, signedAt: stored!.createdAt }
      : { code: 'diverged', headSeq: head.seq },
    links,
    signedHead: head,
    checkpoint: {
      checkpointId: stored!.checkpointId,
      createdAt: stored!.createdAt,
      kid: signed?.ok ? signed.kid : undefined,
    },
    message: matches
      ? `covered by the checkpoint signed ${stored!.createdAt}: ${links.length} links to its head ${head.seq}`
      : `the chain no longer reaches the signed head ${head.seq} unchanged`,
  };
};

import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  epochSeconds,
  forgetPrefetched,
  type ItemKey,
  prefetchItems,
  takePrefetched,
} from '../store/index.ts';
import { normaliseLoginName } from './model.ts';

/**
 * The failure budget of a login name, shared by every factor (password, TOTP and recovery
 * codes, passkeys), in two tiers. Per (login name, source): a few free failures, then a wait
 * that doubles with each further failure — a stranger at one address slows only themselves.
 * Per login name, from every source: a lock only after many consecutive failures (NIST SP
 * 800-63B's ceiling of 100), which only a distributed attack reaches.
 */
export interface LockoutPolicy {
  /** Failures from one source before that source must wait. @default 6 */
  readonly sourceFailures: number;
  /** The first wait of a source; each further failure doubles it. @default 15 minutes */
  readonly sourceDelaySeconds: number;
  /** The longest wait of a source. @default 24 hours */
  readonly sourceMaxDelaySeconds: number;
  /** Consecutive failures, from all sources together, that lock the login name everywhere. @default 100 */
  readonly accountFailures: number;
  /** How long each account-wide lock lasts (a password reset or an administrator ends it sooner). @default 24 hours */
  readonly accountLockSeconds: number;
  /** A count with no new failure for this long is forgotten. @default 30 days */
  readonly forgetSeconds: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  sourceFailures: 6,
  sourceDelaySeconds: 900,
  sourceMaxDelaySeconds: 86_400,
  accountFailures: 100,
  accountLockSeconds: 86_400,
  forgetSeconds: 30 * 86_400,
};

/** Which tier a lock belongs to: this source only, or the login name from everywhere. */
export type LockScope = 'source' | 'account';

export interface LockoutState {
  readonly locked: boolean;
  /** Epoch seconds when the longer of the two waits ends (0: none). */
  readonly lockedUntil: number;
  readonly scope?: LockScope;
  /** Failures left before a wait or lock, whichever comes first. */
  readonly triesLeft: number;
  /** How long the wait lasts once the tries left are used up, in seconds: for the warnings before it. */
  readonly nextWaitSeconds: number;
  /** Consecutive failures counted for this source and for the login name. */
  readonly sourceFailures: number;
  readonly accountFailures: number;
  /** When a reset or an administrator last cleared the name: older source counts no longer apply. */
  readonly clearedAt: number;
}

export interface FailureOutcome extends LockoutState {
  /** This failure started a lock (audit it once). */
  readonly lockedNow: boolean;
}

interface Counter {
  readonly failures: number;
  readonly lastFailure: number;
}

/** IPv6 clients own a whole /64: count them by it, or each guess could come from a new address. */
export const sourceOf = (ip: string): string => {
  if (!ip.includes(':')) return ip;
  const address = ip.split('%')[0]!;
  const [head = '', tail] = address.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? front
      : [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
};

const isConditionFailure = (err: unknown) =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';

/**
 * Failed sign-in steps counted per login name — whether or not an account has that name, so
 * the answers reveal nothing about which names exist. One item per login name and one per
 * (login name, source), each changed by single-item atomic updates only; a wait is derived
 * from the count and the last failure, so counting a failure is one write per item.
 */
export class LoginLockout {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly policy: LockoutPolicy = DEFAULT_LOCKOUT,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  private accountKey(name: string) {
    return { pk: `lockout#${normaliseLoginName(name)}`, sk: 'account' };
  }

  private sourceKey(name: string, source: string) {
    return { pk: `lockout#${normaliseLoginName(name)}#${sourceOf(source)}`, sk: 'source' };
  }

  /** The wait after `failures` consecutive failures: none below `free`, then `first` doubling up to `max`. */
  private static delay(failures: number, free: number, first: number, max: number): number {
    if (failures < free) return 0;
    return Math.min(max, first * 2 ** Math.min(failures - free, 30));
  }

  private sourceDelay(failures: number) {
    const p = this.policy;
    return LoginLockout.delay(failures, p.sourceFailures, p.sourceDelaySeconds, p.sourceMaxDelaySeconds);
  }

  private accountDelay(failures: number) {
    const p = this.policy;
    return LoginLockout.delay(failures, p.accountFailures, p.accountLockSeconds, p.accountLockSeconds);
  }

  private stateOf(account: Counter & { clearedAt: number }, source: Counter): LockoutState {
    const now = this.now();
    const sourceUntil = source.failures ? source.lastFailure + this.sourceDelay(source.failures) : 0;
    const accountUntil = account.failures ? account.lastFailure + this.accountDelay(account.failures) : 0;
    const lockedUntil = Math.max(sourceUntil, accountUntil);
    const locked = lockedUntil > now;
    const triesLeft = Math.max(
      0,
      Math.min(this.policy.sourceFailures - source.failures, this.policy.accountFailures - account.failures),
    );
    // The warning says how long the pause will be when the last try fails, not the next one.
    const failuresThen = Math.max(1, triesLeft);
    return {
      locked,
      lockedUntil: locked ? lockedUntil : 0,
      scope: !locked ? undefined : accountUntil > now ? 'account' : 'source',
      triesLeft,
      nextWaitSeconds: Math.max(
        this.sourceDelay(source.failures + failuresThen),
        this.accountDelay(account.failures + failuresThen),
      ),
      sourceFailures: source.failures,
      accountFailures: account.failures,
      clearedAt: account.clearedAt,
    };
  }

  /**
   * Reads the name's two counters and `extra` items the caller is about to read (the login
   * name's item) in one call, for this request's first read of each (libs/store prefetchItems).
   */
  async prefetch(name: string, source: string, extra: readonly ItemKey[] = []): Promise<void> {
    await prefetchItems(this.doc, this.table, [
      this.accountKey(name),
      this.sourceKey(name, source),
      ...extra,
    ]);
  }

  /** Both counters in one strongly consistent BatchGetItem (one call; unprocessed keys retried). */
  private async readBoth(accountKey: ItemKey, sourceKey: ItemKey) {
    const a = takePrefetched(this.table, accountKey);
    const b = takePrefetched(this.table, sourceKey);
    if (a.found && b.found) {
      const live = (item?: Record<string, unknown>) =>
        !item || (typeof item.expiresAt === 'number' && item.expiresAt <= this.now()) ? undefined : item;
      return [live(a.item), live(b.item)] as const;
    }
    const found: Record<string, unknown>[] = [];
    let keys: Record<string, unknown>[] = [{ ...accountKey }, { ...sourceKey }];
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === 5) throw new Error('the failure counts could not be read; try again');
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10));
      const { Responses, UnprocessedKeys } = await this.doc.send(
        new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
      );
      found.push(...(Responses?.[this.table] ?? []));
      keys = UnprocessedKeys?.[this.table]?.Keys ?? [];
    }
    const live = (key: ItemKey) => {
      const item = found.find((i) => i.pk === key.pk && i.sk === key.sk);
      return !item || (typeof item.expiresAt === 'number' && item.expiresAt <= this.now()) ? undefined : item;
    };
    return [live(accountKey), live(sourceKey)] as const;
  }

  /** Where `name` stands for attempts from `source`: locked (and until when), and tries left. */
  async state(name: string, source: string): Promise<LockoutState> {
    const [account, bySource] = await this.readBoth(this.accountKey(name), this.sourceKey(name, source));
    const clearedAt = Number(account?.clearedAt ?? 0);
    const sourceCounts = bySource && Number(bySource.lastFailure ?? 0) > clearedAt;
    return this.stateOf(
      {
        failures: Number(account?.failures ?? 0),
        lastFailure: Number(account?.lastFailure ?? 0),
        clearedAt,
      },
      {
        failures: sourceCounts ? Number(bySource.failures ?? 0) : 0,
        lastFailure: sourceCounts ? Number(bySource.lastFailure ?? 0) : 0,
      },
    );
  }

  /**
   * Adds one to a counter that is still alive (and newer than `clearedAt`), or starts it at
   * one. Two conditional writes at most per try, never a read-modify-write. Returns the count
   * as this write left it and as it found it: each racing write finds a different one.
   */
  private async bump(
    key: Record<string, string>,
    lifetime: number,
    clearedAt: number,
  ): Promise<{ after: Counter; before: Counter }> {
    const now = this.now();
    forgetPrefetched(this.table, key as unknown as ItemKey);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const { Attributes } = await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: 'ADD failures :one SET lastFailure = :now, expiresAt = :expires',
            ConditionExpression: 'expiresAt > :now AND lastFailure > :cleared',
            ExpressionAttributeValues: {
              ':one': 1,
              ':now': now,
              ':expires': now + lifetime,
              ':cleared': clearedAt,
            },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const failures = Number(Attributes?.failures ?? 0);
        return {
          after: { failures: failures + 1, lastFailure: now },
          before: { failures, lastFailure: Number(Attributes?.lastFailure ?? 0) },
        };
      } catch (err: unknown) {
        if (!isConditionFailure(err)) throw err;
      }
      try {
        // No live count (first failure, forgotten, or cleared since): start one, unless another
        // request has just done so — then count on top of theirs.
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...key, failures: 1, lastFailure: now, expiresAt: now + lifetime },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR lastFailure <= :cleared',
            ExpressionAttributeValues: { ':now': now, ':cleared': clearedAt },
          }),
        );
        return { after: { failures: 1, lastFailure: now }, before: { failures: 0, lastFailure: 0 } };
      } catch (err: unknown) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    throw new Error('the failure count kept changing; try again');
  }

  /**
   * Counts a failed step (a wrong password, code or passkey) against the login name and the
   * source. `before` is the state read before the attempt; the result says whether this
   * failure started a wait or lock — true for one failure only however many race, as each
   * atomic update finds a different count: only the one that found no wait started it.
   */
  async recordFailure(name: string, source: string, before: LockoutState): Promise<FailureOutcome> {
    const p = this.policy;
    const now = this.now();
    const [account, bySource] = await Promise.all([
      this.bump(this.accountKey(name), p.accountLockSeconds + p.forgetSeconds, -1),
      this.bump(
        this.sourceKey(name, source),
        p.sourceMaxDelaySeconds + Math.min(p.forgetSeconds, 86_400),
        before.clearedAt,
      ),
    ]);
    const after = this.stateOf({ ...account.after, clearedAt: before.clearedAt }, bySource.after);
    const started = (tier: { after: Counter; before: Counter }, delay: (failures: number) => number) =>
      tier.after.lastFailure + delay(tier.after.failures) > now &&
      !(tier.before.failures && tier.before.lastFailure + delay(tier.before.failures) > now);
    const lockedNow =
      started(account, (f) => this.accountDelay(f)) || started(bySource, (f) => this.sourceDelay(f));
    return { ...after, lockedNow };
  }

  /**
   * A complete sign-in (every factor the service needed): the name's consecutive count starts
   * again, and so does this source's. Other sources keep theirs — the owner signing in does
   * not give a stranger fresh guesses. `known` is the state read in this request: a counter it
   * found at zero is left alone (a failure counted since stays counted, which is the strict side).
   */
  async signedIn(name: string, source: string, known?: LockoutState): Promise<void> {
    forgetPrefetched(this.table, this.accountKey(name));
    forgetPrefetched(this.table, this.sourceKey(name, source));
    const resetAccount = !known || known.accountFailures > 0;
    const resetSource = !known || known.sourceFailures > 0;
    await Promise.all([
      resetAccount &&
        this.doc
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: this.accountKey(name),
              UpdateExpression: 'SET failures = :zero',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':zero': 0 },
            }),
          )
          .catch((err: unknown) => {
            if (!isConditionFailure(err)) throw err;
          }),
      resetSource &&
        this.doc
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: this.sourceKey(name, source),
              UpdateExpression: 'SET failures = :zero',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':zero': 0 },
            }),
          )
          .catch((err: unknown) => {
            if (!isConditionFailure(err)) throw err;
          }),
    ]);
  }

  /**
   * The recovery path (a password reset, or an administrator): every count and lock of the
   * name ends, from every source, in one write — source counts older than `clearedAt` no longer apply.
   */
  async clear(name: string): Promise<void> {
    forgetPrefetched(this.table, this.accountKey(name));
    const now = this.now();
    const p = this.policy;
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...this.accountKey(name),
          failures: 0,
          lastFailure: 0,
          clearedAt: now,
          // Outlives every source count it overrides.
          expiresAt: now + p.sourceMaxDelaySeconds + p.forgetSeconds,
        },
      }),
    );
  }
}

/**
 * The second-factor attempts of one sign-in interaction: at most `limit` codes are ever
 * evaluated on it, however many arrive at once — each is taken from the interaction's budget
 * by one conditional atomic write before it is checked. A right code gives its attempt back;
 * once `limit` wrong codes have been taken the interaction is ended for good and the person
 * must start again (a new interaction needs the password again, and every failure also counts
 * in the login name's budget).
 */
export class InteractionAttempts {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** @default 5 */
    readonly limit = 5,
    /** Outlives the interaction itself. @default 1 hour */
    private readonly ttlSeconds = 3600,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  private key(uid: string) {
    return this.itemKey(uid);
  }

  /** The item of interaction `uid` (a request may prefetch it with its interaction). */
  itemKey(uid: string): ItemKey {
    return { pk: `interaction-attempts#${uid}`, sk: 'attempts' };
  }

  /**
   * Whether the interaction's attempts are all taken (by wrong codes, or codes still being
   * checked). Read from the store every time (the first read may come from the request's
   * prefetch): the gate before a code is issued must see wrong codes other requests of the
   * same sign-in took in parallel.
   */
  async ended(uid: string): Promise<boolean> {
    const prefetched = takePrefetched(this.table, this.key(uid));
    const Item = prefetched.found
      ? prefetched.item
      : (
          await this.doc.send(
            new GetCommand({ TableName: this.table, Key: this.key(uid), ConsistentRead: true }),
          )
        ).Item;
    return (
      Item !== undefined &&
      !(typeof Item.expiresAt === 'number' && Item.expiresAt <= this.now()) &&
      Number(Item.attempts ?? 0) >= this.limit
    );
  }

  /**
   * Takes one attempt, before the code is evaluated: how many are left after it (0: this was
   * the last), or undefined when none was left and the code must not be evaluated.
   */
  // Interaction ids are random and never reused, so the count needs no reset on expiry.
  async take(uid: string): Promise<number | undefined> {
    forgetPrefetched(this.table, this.key(uid));
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(uid),
          UpdateExpression: 'ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(attempts) OR attempts < :limit',
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': this.limit,
            ':expires': this.now() + this.ttlSeconds,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return this.limit - Number(Attributes?.attempts ?? this.limit);
    } catch (err: unknown) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** Gives back an attempt taken for a code that was right: only wrong codes use up the interaction. */
  async giveBack(uid: string): Promise<void> {
    forgetPrefetched(this.table, this.key(uid));
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(uid),
        UpdateExpression: 'ADD attempts :minusOne',
        ConditionExpression: 'attempts > :zero',
        ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
      }),
    );
  }
}

/**
 * Per-source throttling: a fixed-window counter per address (per /64 for IPv6), one atomic
 * update per attempt, on every sign-in step. It slows password spraying from one place; the
 * per-name budget stops guessing one account. The default is generous because a whole agency
 * often reaches us through one NAT address.
 */
export class SourceThrottle {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly limit = 300,
    private readonly windowSeconds = 300,
    private readonly now: () => number = () => epochSeconds(),
  ) {}

  /** Counts an attempt from `source`; false when the source is over its limit for this window. */
  async allow(source: string): Promise<boolean> {
    const bucket = Math.floor(this.now() / this.windowSeconds);
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `throttle#${sourceOf(source)}#${bucket}`, sk: 'throttle' },
        UpdateExpression: 'ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: { ':one': 1, ':expires': (bucket + 2) * this.windowSeconds },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.attempts ?? 0) <= this.limit;
  }
}

import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { epochSeconds, isConditionalCheckFailed, queryAll } from '../store/index.ts';
import { Role } from './model.ts';

/**
 * Roles that take two administrators to grant: one requests, another approves. An identity
 * officer binds a person's identity to an account (and with it the licences issued to that
 * person), so one administrator alone must not be able to make one; the help desk (`support`)
 * can disable anyone's account and reset their second factor (docs/security.md).
 */
export const PRIVILEGED_ROLES: readonly Role[] = ['admin', 'auditor', 'identity-officer', 'support'];

/**
 * Roles no account may hold together (separation of duties): whoever helps people back into
 * their accounts must not also grant roles. The staff operations refuse such a change and a
 * Cedar policy (`forbid-support-with-admin`) refuses such an account everything.
 */
export const EXCLUSIVE_ROLES: readonly (readonly [Role, Role])[] = [['support', 'admin']];

/** The first pair of roles `roles` holds together that must never be held together. */
export const conflictingRoles = (roles: readonly Role[]): readonly [Role, Role] | undefined =>
  EXCLUSIVE_ROLES.find(([a, b]) => roles.includes(a) && roles.includes(b));

/** How long a request waits for a second administrator before it lapses. */
export const STAFF_REQUEST_SECONDS = 24 * 3600;

/**
 * A privileged staff change waiting for a second administrator: a new account with a
 * privileged role (`create`), or a change that grants one to an existing account (`update`).
 * `change` is the request body as the admin API validated it; it is validated again on approval.
 */
export const StaffRequest = z.object({
  requestId: z.string(),
  kind: z.enum(['create', 'update']),
  /** The account an `update` changes. */
  accountId: z.string().optional(),
  /** Its roles when the request was made: approval refuses if they changed meanwhile. */
  rolesBefore: z.array(Role).optional(),
  change: z.record(z.string(), z.unknown()),
  requestedBy: z.string(),
  requestedAt: z.string(),
  expiresAt: z.number().int(),
  status: z.enum(['pending', 'approved', 'rejected']),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
});
export type StaffRequest = z.infer<typeof StaffRequest>;

/** True when going from `before` to `after` adds a role that needs two administrators. */
export const grantsPrivilegedRole = (before: readonly Role[], after: readonly Role[]): boolean =>
  after.some((role) => PRIVILEGED_ROLES.includes(role) && !before.includes(role));

const PARTITION = 'staff-requests';

/**
 * Pending privileged staff changes, in one small partition of the identity table (there are
 * only ever a handful). An expired request reads as absent; deciding one is a conditional
 * update, so two administrators cannot both approve it.
 */
export class StaffRequestStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get nowSeconds(): number {
    return epochSeconds(this.now());
  }

  async create(
    request: Pick<StaffRequest, 'kind' | 'accountId' | 'rolesBefore' | 'change' | 'requestedBy'>,
  ): Promise<StaffRequest> {
    const item = StaffRequest.parse({
      ...request,
      requestId: randomUUID(),
      requestedAt: this.now().toISOString(),
      expiresAt: this.nowSeconds + STAFF_REQUEST_SECONDS,
      status: 'pending',
    });
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: PARTITION, sk: item.requestId, ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return item;
  }

  async get(requestId: string): Promise<StaffRequest | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: PARTITION, sk: requestId }, ConsistentRead: true }),
    );
    if (!Item || Number(Item.expiresAt) <= this.nowSeconds) return undefined;
    return StaffRequest.parse(Item);
  }

  /** Requests still waiting for a decision, oldest first. */
  async listPending(): Promise<StaffRequest[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': PARTITION },
    });
    return items
      .map((item) => StaffRequest.parse(item))
      .filter((r) => r.status === 'pending' && r.expiresAt > this.nowSeconds)
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  /** Records a decision if the request is still pending and alive; false when it was not. */
  async decide(requestId: string, status: 'approved' | 'rejected', by: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: PARTITION, sk: requestId },
          UpdateExpression: 'SET #s = :s, decidedBy = :by, decidedAt = :at',
          ConditionExpression: '#s = :pending AND expiresAt > :now',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':s': status,
            ':by': by,
            ':at': this.now().toISOString(),
            ':pending': 'pending',
            ':now': this.nowSeconds,
          },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Puts an approval back to pending when applying it failed, so it can be retried. */
  async reopen(requestId: string, by: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: PARTITION, sk: requestId },
          UpdateExpression: 'SET #s = :pending REMOVE decidedBy, decidedAt',
          ConditionExpression: '#s = :approved AND decidedBy = :by',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':approved': 'approved', ':by': by },
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}

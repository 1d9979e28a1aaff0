import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
// The credit-code check lives in the licence verifier package, which must run on its own.
import { isUscc, usccCheckCharacter } from '../../packages/licence-verifier/src/node.ts';
import { Zone } from '../config/index.ts';
import {
  forgetPrefetched,
  type ItemKey,
  isConditionalCheckFailed,
  queryAll,
  takePrefetched,
} from '../store/index.ts';

export { isUscc, usccCheckCharacter };

/** A department (relying party organisation): who owns clients, APIs and licence types. */
export const DepartmentInput = z.strictObject({
  departmentId: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{1,39}$/,
      'a short lower-case id such as "water" or "civil-affairs" (letters, digits, -)',
    ),
  /** Its name in Chinese, as it signs its documents (e.g. 交通管理局). */
  name: z.string().trim().min(2, 'at least 2 characters').max(200),
  /** Its name in English (e.g. Traffic Administration), shown on English pages. @default the Chinese name */
  nameEn: z.string().trim().min(2, 'at least 2 characters').max(200).optional(),
  uscc: z
    .string()
    .refine(isUscc, 'an 18-character unified social credit code with a valid check character (GB 32100)'),
  /** Zones its clients may be registered in (the admin decides; self-service cannot widen it). */
  zones: z.array(Zone).min(1, 'at least one zone').max(3),
});
export type DepartmentInput = z.infer<typeof DepartmentInput>;

export interface Department extends DepartmentInput {
  readonly status: 'active' | 'suspended';
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const DepartmentChange = z
  .strictObject({
    name: DepartmentInput.shape.name.optional(),
    nameEn: DepartmentInput.shape.nameEn,
    zones: DepartmentInput.shape.zones.optional(),
    status: z.enum(['active', 'suspended']).optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'change at least one of name, nameEn, zones, status');
export type DepartmentChange = z.infer<typeof DepartmentChange>;

export class DepartmentExistsError extends Error {
  override readonly name = 'DepartmentExistsError';
}

/** Another department already holds this unified social credit code. */
export class UsccTakenError extends Error {
  override readonly name = 'UsccTakenError';
  constructor(
    readonly uscc: string,
    /** The department that holds it. */
    readonly holder: string,
  ) {
    super(
      `the unified social credit code ${uscc} belongs to the ${holder} department; check the code, or use that department`,
    );
  }
}

/** A department's name in a page's language: English where it has one, its Chinese name otherwise. */
export const departmentName = (
  department: Pick<DepartmentInput, 'name' | 'nameEn'>,
  lang: 'zh-CN' | 'en',
): string => (lang === 'en' && department.nameEn ? department.nameEn : department.name);

export class DepartmentChangedError extends Error {
  override readonly name = 'DepartmentChangedError';
}

/** One partition holds them all: a government has dozens of departments, not millions. */
const keyOf = (id: string) => ({ pk: 'departments', sk: id });
/** The item that gives a credit code to one department only. */
const usccKey = (uscc: string) => ({ pk: 'department-uscc', sk: uscc.toUpperCase() });
/**
 * A claim older than this whose department was never written is left over from a create that
 * died half-way (the Lambda timeout is far shorter), and may be taken over.
 */
const STALE_CLAIM_MS = 5 * 60_000;

/** Departments in the identity table, one item each. */
export class DepartmentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Registers a department, its credit code unique across departments. The store has single-item
   * conditions only (no transactions, see docs/architecture.md), so the code is claimed first by
   * a conditional put of `department-uscc/<code>`, as client names are (claimClientName): of two
   * creates with one code exactly one claims it. Departments from before claims existed are
   * checked by their list (a government has dozens). A claim whose department write failed is
   * released; one left by a create that died is taken over once stale.
   */
  async create(input: DepartmentInput): Promise<Department> {
    const at = this.now().toISOString();
    const department: Department = { ...input, status: 'active', createdAt: at, updatedAt: at };
    const existing = await this.get(input.departmentId);
    if (existing) throw this.exists(input.departmentId);
    const holder = (await this.list()).find(
      (d) => d.uscc.toUpperCase() === input.uscc.toUpperCase() && d.departmentId !== input.departmentId,
    );
    if (holder) throw new UsccTakenError(input.uscc, holder.departmentId);
    await this.claimUscc(input.uscc, input.departmentId, at);
    forgetPrefetched(this.table, keyOf(input.departmentId));
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keyOf(input.departmentId), ...department },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      await this.releaseUscc(input.uscc, input.departmentId, at);
      if (isConditionalCheckFailed(err)) throw this.exists(input.departmentId);
      throw err;
    }
    // The claim is now the department's for good: never stale.
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: usccKey(input.uscc),
        UpdateExpression: 'SET settled = :yes',
        ExpressionAttributeValues: { ':yes': true },
      }),
    );
    return department;
  }

  private exists(id: string) {
    return new DepartmentExistsError(`a department ${id} already exists; choose another id`);
  }

  private async claimUscc(uscc: string, departmentId: string, at: string): Promise<void> {
    const stale = new Date(this.now().getTime() - STALE_CLAIM_MS).toISOString();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...usccKey(uscc), departmentId, claimedAt: at },
          ConditionExpression:
            'attribute_not_exists(pk) OR (claimedAt < :stale AND attribute_not_exists(settled))',
          ExpressionAttributeValues: { ':stale': stale },
        }),
      );
      return;
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: usccKey(uscc), ConsistentRead: true }),
    );
    const holder = typeof Item?.departmentId === 'string' ? Item.departmentId : 'another';
    // Two creates of one department at once: the other one is making it.
    if (holder === departmentId) throw this.exists(departmentId);
    throw new UsccTakenError(uscc, holder);
  }

  /** Gives back a claim this create made (and nobody has taken over since). */
  private async releaseUscc(uscc: string, departmentId: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: usccKey(uscc),
          ConditionExpression: 'departmentId = :id AND claimedAt = :at',
          ExpressionAttributeValues: { ':id': departmentId, ':at': at },
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** The department's item (a request may prefetch it with the others it reads). */
  itemKey(id: string): ItemKey {
    return keyOf(id);
  }

  async get(id: string): Promise<Department | undefined> {
    // Strongly consistent, or prefetched so at the start of this request.
    const prefetched = takePrefetched(this.table, keyOf(id));
    const Item = prefetched.found
      ? prefetched.item
      : (await this.doc.send(new GetCommand({ TableName: this.table, Key: keyOf(id), ConsistentRead: true })))
          .Item;
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...department } = Item;
    return department as Department;
  }

  /** Replaces a department with its changed version, only if nobody changed it meanwhile. */
  async update(before: Department, change: DepartmentChange): Promise<Department> {
    const after: Department = { ...before, ...change, updatedAt: this.now().toISOString() };
    forgetPrefetched(this.table, keyOf(before.departmentId));
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keyOf(before.departmentId), ...after },
          ConditionExpression: 'updatedAt = :seen',
          ExpressionAttributeValues: { ':seen': before.updatedAt },
        }),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err))
        throw new DepartmentChangedError(
          `department ${before.departmentId} changed while this change was made; read it again and retry`,
        );
      throw err;
    }
    return after;
  }

  /** Every department, by id. */
  async list(): Promise<Department[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'departments' },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...d }) => d as unknown as Department);
  }
}

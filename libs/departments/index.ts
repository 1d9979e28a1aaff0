import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { Zone } from '../config/index.ts';
import { isUscc } from '../licences/index.ts';
import { isConditionalCheckFailed, queryAll } from '../store/index.ts';

/** A department (relying party organisation): who owns clients, APIs and licence types. */
export const DepartmentInput = z.strictObject({
  departmentId: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{1,39}$/,
      'a short lower-case id such as "water" or "civil-affairs" (letters, digits, -)',
    ),
  /** The department's name as people know it (Chinese, the official name). */
  name: z.string().trim().min(2, 'at least 2 characters').max(200),
  /** Its name in English, shown to English readers; without it they see `name`. */
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

/** The name a reader of `lang` recognises: the English one for English readers, when there is one. */
export const departmentName = (department: Pick<Department, 'name' | 'nameEn'>, lang: string): string =>
  lang === 'en' ? (department.nameEn ?? department.name) : department.name;

export class DepartmentExistsError extends Error {
  override readonly name = 'DepartmentExistsError';
}

export class DepartmentChangedError extends Error {
  override readonly name = 'DepartmentChangedError';
}

/** One partition holds them all: a government has dozens of departments, not millions. */
const keyOf = (id: string) => ({ pk: 'departments', sk: id });

/** Departments in the identity table, one item each. */
export class DepartmentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: DepartmentInput): Promise<Department> {
    const at = this.now().toISOString();
    const department: Department = { ...input, status: 'active', createdAt: at, updatedAt: at };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keyOf(input.departmentId), ...department },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err))
        throw new DepartmentExistsError(
          `a department ${input.departmentId} already exists; choose another id`,
        );
      throw err;
    }
    return department;
  }

  async get(id: string): Promise<Department | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keyOf(id), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...department } = Item;
    return department as Department;
  }

  /** Replaces a department with its changed version, only if nobody changed it meanwhile. */
  async update(before: Department, change: DepartmentChange): Promise<Department> {
    const after: Department = { ...before, ...change, updatedAt: this.now().toISOString() };
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
    });
    return items.map(({ pk: _pk, sk: _sk, ...d }) => d as unknown as Department);
  }
}

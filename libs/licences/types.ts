import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { isUscc } from '../departments/index.ts';
import { isConditionalCheckFailed, queryAll } from '../store/index.ts';

/**
 * Licence types: what a department may issue. Each type has a versioned `vct` (its URL,
 * where its metadata is served), the owning department, the schema of its claims, which
 * claims the holder may disclose selectively, and how long a licence of it is valid.
 */

const Label = z.strictObject({ en: z.string().min(1).max(100), 'zh-CN': z.string().min(1).max(100) });

export const ClaimField = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _; starts with a letter')
    .refine((n) => !RESERVED_CLAIMS.has(n), 'is a claim name the licence format reserves'),
  label: Label,
  type: z.enum(['string', 'date', 'integer', 'boolean']),
  required: z.boolean().default(true),
  maxLength: z.number().int().min(1).max(1000).default(200),
  /** A regular expression a string claim must match in full. */
  pattern: z.string().max(200).optional(),
  /** The holder chooses whether to disclose it (personal data); otherwise always visible. */
  disclosable: z.boolean(),
});
export type ClaimField = z.infer<typeof ClaimField>;

/** Claims of the SD-JWT VC envelope, which a type's own claims may not use. */
export const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'iat',
  'nbf',
  'exp',
  'jti',
  'vct',
  'cnf',
  'status',
  'licence_id',
  'issuing_authority',
  '_sd',
  '_sd_alg',
]);

const Uscc = z
  .string()
  .refine(isUscc, 'is not a valid unified social credit code (18 characters, check character)');

export const LicenceTypeInput = z.strictObject({
  typeId: z.string().regex(/^[a-z][a-z0-9-]{2,40}$/, 'lower-case letters, digits and dashes'),
  name: Label,
  description: Label.optional(),
  /** The department that owns the type: the only one that may issue and revoke it. */
  department: z.string().min(1).max(64),
  /** The issuing department's unified social credit code. */
  issuerCode: Uscc,
  /** The defining authority's USCC plus a three-digit type number (the type code of the id). */
  typeCode: z
    .string()
    .regex(/^[0-9A-HJ-NPQRTUWXY]{18}\d{3}$/, 'a USCC followed by three digits')
    .refine((code) => isUscc(code.slice(0, 18)), 'does not start with a valid USCC'),
  validityDays: z.number().int().min(1).max(36_500),
  claims: z
    .array(ClaimField)
    .min(1)
    .max(40)
    .refine(
      (fields) => new Set(fields.map((f) => f.name)).size === fields.length,
      'claim names must be unique',
    ),
  /** Derived, selectively disclosable `age_over_NN` claims computed from a `birth_date` claim. */
  ageOver: z.array(z.number().int().min(1).max(120)).max(4).default([]),
});
export type LicenceTypeInput = z.input<typeof LicenceTypeInput>;

export const LicenceType = LicenceTypeInput.extend({
  version: z.number().int().min(1),
  vct: z.string(),
  status: z.enum(['active', 'retired']),
  createdAt: z.string(),
});
export type LicenceType = z.infer<typeof LicenceType>;

export const vctOf = (issuer: string, typeId: string, version: number) =>
  `${issuer}/licences/types/${typeId}/v${version}`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const realDate = (s: string) =>
  DATE.test(s) &&
  !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
  new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/** The zod schema of a type's claims: what issuance validates a request against. */
export const claimsSchema = (type: Pick<LicenceType, 'claims'>) =>
  z.strictObject(
    Object.fromEntries(
      type.claims.map((field) => {
        let schema: z.ZodType;
        if (field.type === 'string') {
          let s = z.string().trim().min(1, 'required').max(field.maxLength);
          if (field.pattern) s = s.regex(new RegExp(`^(?:${field.pattern})$`), `must match ${field.pattern}`);
          schema = s;
        } else if (field.type === 'date') {
          schema = z.string().refine(realDate, 'a date as YYYY-MM-DD');
        } else if (field.type === 'integer') {
          schema = z.number().int();
        } else {
          schema = z.boolean();
        }
        return [field.name, field.required ? schema : schema.optional()];
      }),
    ),
  );

/** The JSON Schema of a type's claims, for its published metadata. */
export const claimsJsonSchema = (type: Pick<LicenceType, 'claims'>) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: Object.fromEntries(
    type.claims.map((f) => [
      f.name,
      f.type === 'date'
        ? { type: 'string', format: 'date' }
        : f.type === 'string'
          ? {
              type: 'string',
              maxLength: f.maxLength,
              ...(f.pattern ? { pattern: `^(?:${f.pattern})$` } : {}),
            }
          : { type: f.type },
    ]),
  ),
  required: type.claims.filter((f) => f.required).map((f) => f.name),
});

/** Derived claims, e.g. `age_over_18`, from `birth_date` at the moment of issuance. */
export const derivedClaims = (
  type: Pick<LicenceType, 'ageOver'>,
  claims: Record<string, unknown>,
  now: Date,
) => {
  const birth =
    typeof claims.birth_date === 'string' ? new Date(`${claims.birth_date}T00:00:00Z`) : undefined;
  if (!birth || type.ageOver.length === 0) return {};
  const age =
    now.getUTCFullYear() -
    birth.getUTCFullYear() -
    (now.getUTCMonth() < birth.getUTCMonth() ||
    (now.getUTCMonth() === birth.getUTCMonth() && now.getUTCDate() < birth.getUTCDate())
      ? 1
      : 0);
  return Object.fromEntries(type.ageOver.map((n) => [`age_over_${n}`, age >= n]));
};

/** Names the holder may choose to disclose: the type's personal data plus derived claims. */
export const disclosableNames = (type: Pick<LicenceType, 'claims' | 'ageOver'>): string[] => [
  ...type.claims.filter((f) => f.disclosable).map((f) => f.name),
  ...type.ageOver.map((n) => `age_over_${n}`),
];

/** SD-JWT VC type metadata, served at the vct URL. */
export const typeMetadata = (type: LicenceType) => ({
  vct: type.vct,
  name: type.name.en,
  description: type.description?.en,
  display: (['zh-CN', 'en'] as const).map((lang) => ({
    lang,
    name: type.name[lang],
    ...(type.description ? { description: type.description[lang] } : {}),
  })),
  claims: [
    ...type.claims.map((f) => ({
      path: [f.name],
      display: (['zh-CN', 'en'] as const).map((lang) => ({ lang, label: f.label[lang] })),
      sd: f.disclosable ? 'always' : 'never',
    })),
    ...type.ageOver.map((n) => ({
      path: [`age_over_${n}`],
      display: [
        { lang: 'zh-CN', label: `年满${n}周岁` },
        { lang: 'en', label: `Aged ${n} or over` },
      ],
      sd: 'always',
    })),
  ],
  schema: claimsJsonSchema(type),
  'yitong:department': type.department,
  'yitong:validity_days': type.validityDays,
});

const TYPES_PK = 'licence-types';
const versionSk = (typeId: string, version: number) => `${typeId}#v${String(version).padStart(4, '0')}`;

export class LicenceTypeConflictError extends Error {}

/** Types in the licences table: every version kept (licences name the version they were issued under). */
export class LicenceTypeStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly issuer: string,
  ) {}

  async list(): Promise<LicenceType[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': TYPES_PK },
    });
    return items.map((item) => LicenceType.parse(strip(item)));
  }

  /** The newest version of each type. */
  async latest(): Promise<LicenceType[]> {
    const byId = new Map<string, LicenceType>();
    for (const type of await this.list()) {
      const seen = byId.get(type.typeId);
      if (!seen || seen.version < type.version) byId.set(type.typeId, type);
    }
    return [...byId.values()];
  }

  async get(typeId: string, version?: number): Promise<LicenceType | undefined> {
    if (version === undefined) return (await this.latest()).find((t) => t.typeId === typeId);
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: TYPES_PK, sk: versionSk(typeId, version) } }),
    );
    return Item ? LicenceType.parse(strip(Item)) : undefined;
  }

  /**
   * Registers a type, or a new version of it when its definition changed (licences already
   * issued keep the version they name). Returns the stored type; unchanged input is a no-op.
   */
  async put(input: LicenceTypeInput): Promise<{ type: LicenceType; created: boolean }> {
    const parsed = LicenceTypeInput.parse(input);
    const current = await this.get(parsed.typeId);
    if (current) {
      const { version: _v, vct: _vct, status: _s, createdAt: _c, ...definition } = current;
      if (JSON.stringify(sortKeys(definition)) === JSON.stringify(sortKeys(parsed))) {
        return { type: current, created: false };
      }
      if (current.department !== parsed.department) {
        throw new LicenceTypeConflictError(`${parsed.typeId} belongs to ${current.department}`);
      }
    }
    const version = (current?.version ?? 0) + 1;
    const type: LicenceType = {
      ...parsed,
      version,
      vct: vctOf(this.issuer, parsed.typeId, version),
      status: 'active',
      createdAt: new Date().toISOString(),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: TYPES_PK, sk: versionSk(type.typeId, version), ...type },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err))
        throw new LicenceTypeConflictError(`${type.typeId} changed meanwhile; retry`);
      throw err;
    }
    return { type, created: true };
  }
}

const strip = ({ pk: _pk, sk: _sk, ...rest }: Record<string, unknown>) => rest;
const sortKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortKeys)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, sortKeys(v)]),
        )
      : value;

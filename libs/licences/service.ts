import { createHash, randomBytes, randomInt } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { base64url, type JWK } from 'jose';
import * as z from 'zod';
import { canonicalJson } from '../audit/index.ts';
import { isUscc } from '../departments/index.ts';
import { ConflictError, invalidParamsOf, NotFoundError, ValidationError } from '../errors/index.ts';
import { companyRef, ResidentId, residentIdProblem } from '../identity/index.ts';
import type { Keyring, PublicJwk, Signer } from '../keys/index.ts';
import { isConditionalCheckFailed, LICENCE_INDEXES, queryAll } from '../store/index.ts';
import { STATUS, StatusListStore, type StatusName } from './status-list.ts';
import {
  claimsSchema,
  derivedClaims,
  disclosableNames,
  type LicenceType,
  LicenceTypeStore,
} from './types.ts';
import {
  licenceId as buildLicenceId,
  disclosureNames,
  presentLicence,
  type VerificationResult,
  verifyLicence,
} from './verify.ts';

export const Licence = z.object({
  licenceId: z.string(),
  typeId: z.string(),
  typeVersion: z.number().int(),
  vct: z.string(),
  department: z.string(),
  holder: z.string(),
  issuedBy: z.string(),
  sdJwt: z.string(),
  statusList: z.number().int(),
  statusIndex: z.number().int(),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  status: z.enum(['valid', 'revoked', 'suspended']),
  statusReason: z.string().optional(),
  version: z.number().int(),
});
export type Licence = z.infer<typeof Licence>;

/**
 * Whom a licence is issued to: a person by their resident ID number, or a company by its unified
 * social credit code — an identity, never a login name. The licence names its holder by the
 * reference derived from it (`person#<keyed hash>` or `company#<USCC>`), so it waits for a
 * person who has no account yet and appears in their wallet once they prove that identity.
 */
export const LicenceHolder = z
  .object({
    residentId: ResidentId.optional(),
    uscc: z
      .string()
      .transform((code) => code.normalize('NFKC').replace(/\s+/g, '').toUpperCase())
      .refine(isUscc, 'an 18-character unified social credit code with a valid check character (GB 32100)')
      .optional(),
  })
  .catchall(z.unknown())
  .superRefine((holder, ctx) => {
    const extra = Object.keys(holder).filter((k) => k !== 'residentId' && k !== 'uscc');
    if (extra.length)
      ctx.addIssue({
        code: 'custom',
        path: [extra[0]!],
        message: `licences are issued to identities: name the holder by "residentId" (a person's resident ID number) or "uscc" (a company's unified social credit code), not by "${extra[0]}"`,
      });
    if ((holder.residentId === undefined) === (holder.uscc === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'name the holder by exactly one of "residentId" (a person) or "uscc" (a company)',
      });
  })
  .transform((holder): { residentId: string } | { uscc: string } =>
    holder.residentId !== undefined ? { residentId: holder.residentId } : { uscc: holder.uscc! },
  );
export type LicenceHolder = z.infer<typeof LicenceHolder>;

export const IssueRequest = z
  .strictObject({
    type: z.string().min(1).max(64),
    holder: LicenceHolder,
    claims: z.record(z.string(), z.unknown()),
    /** First day of validity (YYYY-MM-DD); today when omitted. */
    validFrom: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
      .optional(),
  })
  .superRefine((request, ctx) => {
    // A licence whose claims carry an ID number must carry its holder's: a department's data error
    // would otherwise put another person's number in this holder's wallet.
    const claimed = request.claims.id_number;
    // Only for a holder that parsed: a bad holder has its own refusal.
    const holder = request.holder as { residentId?: unknown };
    if (
      typeof claimed === 'string' &&
      typeof holder.residentId === 'string' &&
      residentIdProblem(holder.residentId) === undefined
    ) {
      const folded = claimed.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
      if (folded !== holder.residentId)
        ctx.addIssue({
          code: 'custom',
          path: ['claims', 'id_number'],
          message: "the licence's id_number must be its holder's resident ID number (holder.residentId)",
        });
    }
  });
export type IssueRequest = z.infer<typeof IssueRequest>;

export const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, '8-128 letters, digits, dot, dash, colon or underscore');

export const StatusChange = z.strictObject({
  action: z.enum(['revoke', 'suspend', 'reinstate']),
  reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
});
export type StatusChange = z.infer<typeof StatusChange>;

export const ShareRequest = z.strictObject({
  fields: z.array(z.string().min(1).max(40)).max(40),
  purpose: z.string().trim().min(2, 'say what it is for, in at least 2 characters (租房, rent)').max(200),
  /** Minutes the link works. */
  expiresInMinutes: z
    .number()
    .int()
    .min(5)
    .max(30 * 24 * 60)
    .default(24 * 60),
});
export type ShareRequest = z.infer<typeof ShareRequest>;

export const Share = z.object({
  shareId: z.string(),
  licenceId: z.string(),
  holder: z.string(),
  fields: z.array(z.string()),
  purpose: z.string(),
  presentation: z.string(),
  createdAt: z.string(),
  /** Epoch seconds after which the link no longer works. */
  linkExpiresAt: z.number().int(),
  withdrawnAt: z.string().optional(),
});
export type Share = z.infer<typeof Share>;

export const Receipt = z.object({
  receiptId: z.string(),
  licenceId: z.string(),
  holder: z.string(),
  verifier: z.string(),
  purpose: z.string(),
  verdict: z.string(),
  channel: z.enum(['api', 'link']),
  shareId: z.string().optional(),
  zone: z.string(),
  at: z.string(),
});
export type Receipt = z.infer<typeof Receipt>;

/** Who asks: for the licence's `issuedBy`, audit and idempotency scoping. */
export interface Caller {
  readonly id: string;
  readonly department: string;
}

/**
 * Turns a resident ID number into the holder reference licences name (the identity lib's
 * `IdentityHasher`: a keyed hash, so the number itself is never stored with the licence).
 */
export interface HolderRefs {
  personRef(residentId: string): Promise<string>;
}

/** The holder reference of a request's holder: `person#<keyed hash>` or `company#<USCC>`. */
export const holderRefOf = (refs: HolderRefs, holder: LicenceHolder): Promise<string> =>
  'residentId' in holder ? refs.personRef(holder.residentId) : Promise.resolve(companyRef(holder.uscc));

const licenceKey = (id: string) => ({ pk: `licence#${id}`, sk: 'licence' });
const idemKey = (caller: string, key: string) => ({ pk: `idem#${caller}#${key}`, sk: 'idem' });
const shareKey = (id: string) => ({ pk: `share#${id}`, sk: 'share' });
const SIGNING_KEYS = 'signing-keys';
const keyKey = (kid: string) => ({ pk: SIGNING_KEYS, sk: kid });
const IDEMPOTENCY_TTL = 7 * 86_400;
const pad = (n: number) => String(n).padStart(12, '0');

const SD_JWT = (signer: Signer) =>
  new SDJwtVcInstance({
    signer: async (data: string) => base64url.encode(await signer.sign(new TextEncoder().encode(data))),
    signAlg: 'ES256',
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });

export interface LicenceServiceDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  /** The public base URL licences name as `iss` (whatever zone issued them). */
  readonly issuer: string;
  readonly keyring: Keyring;
  /**
   * How a person's holder reference is made from their ID number (no account is looked up).
   * Only issuance needs it: a service that reads wallets or verifies has none.
   */
  readonly holders?: HolderRefs;
  readonly now?: () => Date;
  /** Seconds verifiers (and this container) may keep a status list. @default 300 */
  readonly statusListTtlSeconds?: number;
}

/** Seconds this container keeps a licence type it read (a new version is used this long after). */
const TYPE_CACHE_SECONDS = 60;
/** A signing key's record is written this far past the expiry it must cover, so a container writes it about daily. */
const KEY_RECORD_MARGIN = 86_400;

export interface IssueOutcome {
  readonly licence: Licence;
  /** True when the Idempotency-Key had already issued this licence. */
  readonly replayed: boolean;
  readonly type: LicenceType;
}

/** Issuance, status, verification, sharing and receipts over the licences table. */
export class LicenceService {
  readonly types: LicenceTypeStore;
  readonly statusLists: StatusListStore;
  private readonly now: () => Date;

  constructor(private readonly deps: LicenceServiceDeps) {
    this.types = new LicenceTypeStore(deps.doc, deps.table, deps.issuer);
    this.now = deps.now ?? (() => new Date());
    this.statusLists = new StatusListStore(deps.doc, deps.table, {
      ttlSeconds: deps.statusListTtlSeconds,
      now: () => Math.floor(this.now().getTime() / 1000),
    });
  }

  get issuer(): string {
    return this.deps.issuer;
  }

  async get(licenceId: string): Promise<Licence | undefined> {
    const { Item } = await this.deps.doc.send(
      new GetCommand({ TableName: this.deps.table, Key: licenceKey(licenceId), ConsistentRead: true }),
    );
    return Item ? Licence.parse(Item) : undefined;
  }

  private readonly typeCache = new Map<string, { readonly at: number; readonly type: LicenceType }>();

  /**
   * The type a request names, for the policy check that comes before issuance. Kept for
   * {@link TYPE_CACHE_SECONDS} per container: a new version of a type is used for new
   * licences at most that long after it is registered (a type never seen is read at once).
   */
  async typeFor(typeId: string): Promise<LicenceType> {
    const now = this.now().getTime() / 1000;
    const cached = this.typeCache.get(typeId);
    const type = cached && now - cached.at < TYPE_CACHE_SECONDS ? cached.type : await this.types.get(typeId);
    if (type?.status !== 'active') throw new NotFoundError(`there is no active licence type ${typeId}`);
    if (type !== cached?.type) {
      if (this.typeCache.size > 256) this.typeCache.clear();
      this.typeCache.set(typeId, { at: now, type });
    }
    return type;
  }

  /**
   * Issues a licence once per Idempotency-Key: a retry (even after a crash half-way) returns
   * the same licence; the same key with a different request is a 409. Every step is a
   * single-item conditional write that a retry can repeat: the status index is claimed first
   * and recorded with the key (a key that loses a race leaves its claimed index unused), then
   * the licence is stored. The stored licence is what marks the key used: a retry that finds it
   * runs `beforeDone` again (an idempotent audit append) and answers it as replayed.
   */
  async issue(
    request: IssueRequest,
    idempotencyKey: string,
    caller: Caller,
    type: LicenceType,
    /**
     * Runs once the licence is stored (the audit event): a crash or failure here leaves the
     * key's licence unaudited, so the retry runs it again.
     */
    beforeDone: (licence: Licence) => Promise<void> = async () => undefined,
  ): Promise<IssueOutcome> {
    if (!this.deps.holders)
      throw new Error('this licence service issues nothing: it was given no holder references');
    const holder = await holderRefOf(this.deps.holders, request.holder);
    // Hashed with the holder's reference in place of the ID number, which is kept nowhere.
    const requestHash = createHash('sha256')
      .update(canonicalJson({ ...request, holder }))
      .digest('hex');
    const key = idemKey(caller.id, idempotencyKey);
    let idem = await this.readIdem(key);
    if (idem && idem.requestHash !== requestHash) {
      throw new ConflictError('this Idempotency-Key was used for a different request; use a new key');
    }
    if (idem) {
      const done = await this.get(idem.licenceId);
      if (done) {
        await beforeDone(done);
        return { licence: done, replayed: true, type };
      }
    }
    const claims = claimsSchema(type).safeParse(request.claims);
    if (!claims.success)
      throw new ValidationError(
        'the claims do not match the licence type',
        invalidParamsOf(claims.error).map((p) => ({
          ...p,
          name: p.name === '(body)' ? 'claims' : `claims.${p.name}`,
        })),
      );

    if (!idem) {
      const serial = `${Date.now().toString().slice(-8)}${String(randomInt(10_000)).padStart(4, '0')}`;
      const licenceId = buildLicenceId({
        typeCode: type.typeCode,
        issuerCode: type.issuerCode,
        serial,
        version: '001',
      });
      const { list, index } = await this.statusLists.allocate(licenceId);
      try {
        await this.deps.doc.send(
          new PutCommand({
            TableName: this.deps.table,
            Item: {
              ...key,
              requestHash,
              licenceId,
              list,
              idx: index,
              expiresAt: Math.floor(this.now().getTime() / 1000) + IDEMPOTENCY_TTL,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
        // A concurrent retry with the same key got there first: follow it.
        return this.issue(request, idempotencyKey, caller, type, beforeDone);
      }
      idem = { requestHash, licenceId, list, index };
    }
    const licence = await this.create(idem.licenceId, key, idem, type, request, claims.data, holder, caller);
    await beforeDone(licence);
    return { licence, replayed: false, type };
  }

  private async readIdem(key: { pk: string; sk: string }) {
    const { Item } = await this.deps.doc.send(
      new GetCommand({ TableName: this.deps.table, Key: key, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      requestHash: String(Item.requestHash),
      licenceId: String(Item.licenceId),
      list: typeof Item.list === 'number' ? Item.list : undefined,
      index: typeof Item.idx === 'number' ? Item.idx : undefined,
    };
  }

  private async create(
    licenceId: string,
    key: { pk: string; sk: string },
    idem: { list?: number; index?: number },
    type: LicenceType,
    request: IssueRequest,
    claims: Record<string, unknown>,
    holder: string,
    caller: Caller,
  ): Promise<Licence> {
    let allocation =
      idem.list !== undefined && idem.index !== undefined
        ? { list: idem.list, index: idem.index }
        : undefined;
    if (!allocation) {
      // A key recorded before its index was (an earlier release wrote the key first).
      const fresh = await this.statusLists.allocate(licenceId);
      try {
        await this.deps.doc.send(
          new UpdateCommand({
            TableName: this.deps.table,
            Key: key,
            UpdateExpression: 'SET #list = :list, idx = :idx',
            ConditionExpression: 'attribute_not_exists(#list)',
            ExpressionAttributeNames: { '#list': 'list' },
            ExpressionAttributeValues: { ':list': fresh.list, ':idx': fresh.index },
          }),
        );
        allocation = fresh;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
        const again = await this.readIdem(key);
        allocation = { list: again!.list!, index: again!.index! };
      }
    }
    const now = this.now();
    const iat = Math.floor(now.getTime() / 1000);
    const nbf = request.validFrom
      ? Math.floor(Date.parse(`${request.validFrom}T00:00:00+08:00`) / 1000)
      : iat;
    const exp = nbf + type.validityDays * 86_400;
    const signer = await this.deps.keyring.signer('licence');
    const payload = {
      iss: this.deps.issuer,
      vct: type.vct,
      iat,
      nbf,
      exp,
      licence_id: licenceId,
      issuing_authority: { department: type.department, code: type.issuerCode },
      status: {
        status_list: { idx: allocation.index, uri: StatusListStore.uri(this.deps.issuer, allocation.list) },
      },
      ...claims,
      ...derivedClaims(type, claims, now),
    };
    const sd = disclosableNames(type).filter((name) => name in payload);
    const sdJwt = await SD_JWT(signer).issue(payload, { _sd: sd } as never, {
      header: { kid: signer.kid, typ: 'dc+sd-jwt' },
    });
    const licence: Licence = {
      licenceId,
      typeId: type.typeId,
      typeVersion: type.version,
      vct: type.vct,
      department: type.department,
      holder,
      issuedBy: caller.id,
      sdJwt,
      statusList: allocation.list,
      statusIndex: allocation.index,
      iat,
      nbf,
      exp,
      status: 'valid',
      version: 1,
    };
    // The key is recorded before the licence it signed exists: a failure here is retried whole.
    await this.rememberKey(signer, exp);
    try {
      await this.deps.doc.send(
        new PutCommand({
          TableName: this.deps.table,
          Item: {
            ...licenceKey(licenceId),
            ...licence,
            holderSort: `licence#${pad(iat)}#${licenceId}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
      return (await this.get(licenceId))!;
    }
    return licence;
  }

  /** The expiry this container last recorded for each signing key (its record covers at least that). */
  private readonly keyRecorded = new Map<string, number>();

  /**
   * Keeps a signing key published until the last licence it signed expires: the record is
   * written a day past the expiry it must cover, so a container rewrites it about once a day
   * per key rather than at every issuance (a key stays published up to a day longer).
   */
  private async rememberKey(signer: Signer, exp: number): Promise<void> {
    if ((this.keyRecorded.get(signer.kid) ?? 0) >= exp) return;
    const until = exp + KEY_RECORD_MARGIN;
    try {
      await this.deps.doc.send(
        new UpdateCommand({
          TableName: this.deps.table,
          Key: keyKey(signer.kid),
          UpdateExpression: 'SET jwk = :jwk, lastExpiry = :exp',
          ConditionExpression: 'attribute_not_exists(lastExpiry) OR lastExpiry < :exp',
          ExpressionAttributeValues: { ':jwk': signer.publicJwk, ':exp': until },
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    this.keyRecorded.set(signer.kid, until);
  }

  /**
   * The licence JWKS: the current licence and status-list keys, plus every key that signed a
   * licence not yet expired (after a rotation, retired keys stay until their last licence ends).
   */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    const [licenceKeys, statusKeys] = await Promise.all([
      this.deps.keyring.publicKeys('licence'),
      this.deps.keyring.publicKeys('status-list'),
    ]);
    const keys = new Map<string, PublicJwk>();
    for (const key of [...licenceKeys, ...statusKeys]) keys.set(key.kid, key);
    const now = Math.floor(this.now().getTime() / 1000);
    for (const item of await this.signingKeyRecords(now)) {
      const jwk = item.jwk as PublicJwk | undefined;
      if (jwk && Number(item.lastExpiry) > now && !keys.has(jwk.kid)) keys.set(jwk.kid, jwk);
    }
    return { keys: [...keys.values()] };
  }

  private keyRecords: { readonly at: number; readonly items: Promise<Record<string, unknown>[]> } | undefined;

  /**
   * The recorded signing keys, read at most once a minute: every verification needs the JWKS,
   * and the records change only when a key signs its first licence — a key this container's
   * keyring already publishes as current.
   */
  private signingKeyRecords(now: number): Promise<Record<string, unknown>[]> {
    if (!this.keyRecords || now - this.keyRecords.at >= 60) {
      const items = queryAll(this.deps.doc, {
        TableName: this.deps.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': SIGNING_KEYS },
      });
      items.catch(() => {
        this.keyRecords = undefined;
      });
      this.keyRecords = { at: now, items };
    }
    return this.keyRecords.items;
  }

  /**
   * Revokes, suspends or reinstates. The status list (what verifiers read) changes first,
   * then the licence item; a retry after a failure between the two repeats both harmlessly.
   */
  async changeStatus(
    licence: Licence,
    change: StatusChange,
  ): Promise<{ licence: Licence; changed: boolean }> {
    const target: StatusName =
      change.action === 'revoke' ? 'revoked' : change.action === 'suspend' ? 'suspended' : 'valid';
    if (licence.status === target) return { licence, changed: false };
    if (licence.status === 'revoked') throw new ConflictError('a revoked licence cannot change status');
    if (change.action === 'reinstate' && licence.status !== 'suspended')
      throw new ConflictError('only a suspended licence can be reinstated');
    await this.statusLists.setStatus(
      licence.statusList,
      licence.statusIndex,
      STATUS[target],
      await this.deps.keyring.signer('status-list'),
      this.deps.issuer,
    );
    const updated: Licence = {
      ...licence,
      status: target,
      statusReason: change.reason,
      version: licence.version + 1,
    };
    try {
      await this.deps.doc.send(
        new UpdateCommand({
          TableName: this.deps.table,
          Key: licenceKey(licence.licenceId),
          UpdateExpression: 'SET #status = :status, statusReason = :reason, #version = :next',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':status': target,
            ':reason': change.reason,
            ':next': updated.version,
            ':version': licence.version,
          },
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
      throw new ConflictError('the licence changed meanwhile; read it again and retry');
    }
    return { licence: updated, changed: true };
  }

  /** Verifies a licence or presentation against our own keys and live status lists. */
  async verify(token: string): Promise<VerificationResult> {
    const jwks = await this.jwks();
    const prefix = `${this.deps.issuer}/licences/status/`;
    const signer = await this.deps.keyring.signer('status-list');
    return verifyLicence(token, {
      now: Math.floor(this.now().getTime() / 1000),
      issuerKeys: (iss) => (iss === this.deps.issuer ? (jwks.keys as unknown as JWK[]) : undefined),
      statusList: async (uri) => {
        if (!uri.startsWith(prefix)) return undefined;
        if (!/^[1-9]\d{0,8}$/.test(uri.slice(prefix.length))) return undefined;
        // This container's copy, at most the list's ttl old (fetchedAt says how old).
        return this.statusLists.evidence(this.deps.issuer, Number(uri.slice(prefix.length)), signer);
      },
    });
  }

  private readonly facts = new Map<string, Pick<Licence, 'licenceId' | 'holder' | 'department'>>();

  /**
   * Whose licence it is and which department issued it, for a receipt and the audit event:
   * facts that never change, so each container keeps them (up to 10,000 licences).
   */
  async factsOf(
    licenceId: string,
  ): Promise<Pick<Licence, 'licenceId' | 'holder' | 'department'> | undefined> {
    const known = this.facts.get(licenceId);
    if (known) return known;
    const licence = await this.get(licenceId);
    if (!licence) return undefined;
    if (this.facts.size >= 10_000) this.facts.clear();
    const facts = { licenceId, holder: licence.holder, department: licence.department };
    this.facts.set(licenceId, facts);
    return facts;
  }

  /** Records who verified a holder's licence and why, for the holder to see. */
  async recordReceipt(receipt: Omit<Receipt, 'receiptId' | 'at'>): Promise<Receipt> {
    const at = this.now().toISOString();
    const full: Receipt = { ...receipt, receiptId: randomBytes(12).toString('base64url'), at };
    await this.deps.doc.send(
      new PutCommand({
        TableName: this.deps.table,
        Item: {
          pk: `receipt#${full.receiptId}`,
          sk: 'receipt',
          ...full,
          holderSort: `receipt#${at}#${full.receiptId}`,
        },
      }),
    );
    return full;
  }

  private byHolder(holder: string, prefix: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.deps.doc, {
      TableName: this.deps.table,
      IndexName: LICENCE_INDEXES.byHolder,
      KeyConditionExpression: 'holder = :holder AND begins_with(holderSort, :prefix)',
      ExpressionAttributeValues: { ':holder': holder, ':prefix': prefix },
      ScanIndexForward: false,
    });
  }

  async licencesOf(holder: string): Promise<Licence[]> {
    return (await this.byHolder(holder, 'licence#')).map((item) => Licence.parse(item));
  }

  async receiptsOf(holder: string): Promise<Receipt[]> {
    return (await this.byHolder(holder, 'receipt#')).map((item) => Receipt.parse(item));
  }

  async sharesOf(holder: string, licenceId: string): Promise<Share[]> {
    return (await this.byHolder(holder, `share#${licenceId}#`)).map((item) => Share.parse(item));
  }

  /** A link that presents only the fields the holder chose, for a stated purpose, until it expires. */
  async share(licence: Licence, request: ShareRequest): Promise<Share> {
    const available = new Set(disclosureNames(licence.sdJwt));
    const unknown = request.fields.filter((f) => !available.has(f));
    if (unknown.length)
      throw new ValidationError(
        'these fields cannot be shared',
        unknown.map((name) => ({ name: `fields.${name}`, reason: 'not a field of this licence' })),
      );
    const createdAt = this.now().toISOString();
    const share: Share = {
      shareId: randomBytes(18).toString('base64url'),
      licenceId: licence.licenceId,
      holder: licence.holder,
      fields: [...new Set(request.fields)],
      purpose: request.purpose,
      presentation: presentLicence(licence.sdJwt, request.fields),
      createdAt,
      linkExpiresAt: Math.floor(this.now().getTime() / 1000) + request.expiresInMinutes * 60,
    };
    await this.deps.doc.send(
      new PutCommand({
        TableName: this.deps.table,
        Item: {
          ...shareKey(share.shareId),
          ...share,
          holderSort: `share#${licence.licenceId}#${createdAt}`,
          // The item outlives the link by 90 days, so the holder's history still shows it.
          expiresAt: share.linkExpiresAt + 90 * 86_400,
        },
      }),
    );
    return share;
  }

  /** A share that still works (not expired, not withdrawn), or undefined. */
  async activeShare(shareId: string): Promise<Share | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(shareId)) return undefined;
    const { Item } = await this.deps.doc.send(
      new GetCommand({ TableName: this.deps.table, Key: shareKey(shareId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const share = Share.parse(Item);
    if (share.withdrawnAt || share.linkExpiresAt <= Math.floor(this.now().getTime() / 1000)) return undefined;
    return share;
  }

  async withdrawShare(holder: string, shareId: string): Promise<boolean> {
    try {
      await this.deps.doc.send(
        new UpdateCommand({
          TableName: this.deps.table,
          Key: shareKey(shareId),
          UpdateExpression: 'SET withdrawnAt = :at',
          ConditionExpression: 'holder = :holder AND attribute_not_exists(withdrawnAt)',
          ExpressionAttributeValues: { ':at': this.now().toISOString(), ':holder': holder },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}

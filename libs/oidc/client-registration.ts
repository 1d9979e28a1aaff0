import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { Zone } from '../config/index.ts';
import { IAL_URIS } from '../identity/index.ts';
import { epochSeconds, isConditionalCheckFailed, queryAll } from '../store/index.ts';
import { DynamoOidcAdapter } from './adapter.ts';
import { ACR_VALUES } from './assurance.ts';
import { departmentClientProblems } from './client-rules.ts';
import type { ClientMetadata } from './registry.ts';

/** The registration policy every initial access token carries (oidc-provider runs it on register and update). */
export const DEPARTMENT_REGISTRATION_POLICY = 'yitong-department';

const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * A client as an administrator (admin API, CLI, console) registers it. Secrets are made by
 * yitong and shown once; `private_key_jwt` clients bring their keys (`jwks` or `jwks_uri`).
 * Grants, authentication, subject type and addresses are judged by the one set of client rules
 * (client-rules.ts) on the very metadata that will be stored, as dynamic registration is.
 */
const ClientInputObject = z.strictObject({
  client_name: z.string().trim().min(2, 'at least 2 characters').max(100),
  department: z.string().min(1).max(40),
  zone: Zone,
  redirect_uris: z.array(z.string().max(2000)).max(10).default([]),
  post_logout_redirect_uris: z.array(z.string().max(2000)).max(10).default([]),
  backchannel_logout_uri: z.string().max(2000).optional(),
  grant_types: z.array(z.string().max(100)).min(1).max(5).default(['authorization_code', 'refresh_token']),
  token_endpoint_auth_method: z.string().max(50).default('client_secret_basic'),
  /** Department clients are always pairwise; named only to be refused clearly when it is not. */
  subject_type: z.string().max(20).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
  jwks_uri: z.string().max(2000).optional(),
  required_acr: z.enum(ACR_VALUES as unknown as [string, ...string[]]).optional(),
  /** The identity level people need here (`yitong_required_ial`): below it, sign-in asks them to prove it. */
  required_ial: z.enum(IAL_URIS).optional(),
  /** Scopes the client may ask for, beyond openid. */
  scope: z
    .string()
    .max(1000)
    .refine((s) => s.split(' ').every((t) => scopeToken.test(t)), 'space-separated scope names')
    .optional(),
  sector_identifier_uri: z.string().max(2000).optional(),
  require_pushed_authorization_requests: z.boolean().default(false),
  dpop_bound_access_tokens: z.boolean().default(false),
  /** People may act for a company they represent at this site (`yitong_accepts_companies`). */
  accepts_companies: z.boolean().default(false),
});
export type ClientInput = z.infer<typeof ClientInputObject>;

export const clientInputSchema = (options: { readonly localMode: boolean }) =>
  ClientInputObject.superRefine((input, ctx) => {
    for (const problem of departmentClientProblems(clientMetadataOf(input, { clientId: 'new' }), options))
      ctx.addIssue({
        code: 'custom',
        // The input names yitong's metadata without its prefix (accepts_companies).
        path: problem.field
          .replace(/^yitong_accepts_companies$/, 'accepts_companies')
          .split('.')
          .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
        message: problem.reason,
      });
  });

/** A new, random client secret (256 bits). */
export const newClientSecret = (): string => randomBytes(32).toString('base64url');

/** The registration oidc-provider loads, from what an administrator asked for. */
export const clientMetadataOf = (
  input: ClientInput,
  ids: { readonly clientId: string; readonly secret?: string },
): ClientMetadata => ({
  client_id: ids.clientId,
  ...(ids.secret ? { client_secret: ids.secret } : {}),
  client_name: input.client_name,
  redirect_uris: input.redirect_uris,
  post_logout_redirect_uris: input.post_logout_redirect_uris,
  ...(input.backchannel_logout_uri
    ? { backchannel_logout_uri: input.backchannel_logout_uri, backchannel_logout_session_required: true }
    : {}),
  grant_types: input.grant_types,
  response_types: input.grant_types.includes('authorization_code') ? ['code'] : [],
  token_endpoint_auth_method: input.token_endpoint_auth_method,
  subject_type: input.subject_type ?? 'pairwise',
  ...(input.jwks ? { jwks: input.jwks } : {}),
  ...(input.jwks_uri ? { jwks_uri: input.jwks_uri } : {}),
  ...(input.scope ? { scope: input.scope } : {}),
  ...(input.sector_identifier_uri ? { sector_identifier_uri: input.sector_identifier_uri } : {}),
  require_pushed_authorization_requests: input.require_pushed_authorization_requests,
  dpop_bound_access_tokens: input.dpop_bound_access_tokens,
  yitong_zone: input.zone,
  yitong_department: input.department,
  ...(input.required_acr ? { yitong_required_acr: input.required_acr } : {}),
  ...(input.required_ial ? { yitong_required_ial: input.required_ial } : {}),
  yitong_accepts_companies: input.accepts_companies,
});

export class ClientNameTakenError extends Error {
  override readonly name = 'ClientNameTakenError';
}

/** A department's clients, one item per name: unique names, and the list of its clients. */
const nameKey = (department: string, name: string) => ({
  pk: `department-clients#${department}`,
  sk: `name#${name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()}`,
});

/** The ids of a department's clients. */
export const departmentClientIds = async (
  doc: DynamoDBDocumentClient,
  table: string,
  department: string,
): Promise<string[]> =>
  (
    await queryAll(doc, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `department-clients#${department}` },
    })
  ).map((item) => String(item.clientId));

/** Claims a client name within its department (names are what people see on the consent page). */
export const claimClientName = async (
  doc: DynamoDBDocumentClient,
  table: string,
  department: string,
  name: string,
  clientId: string,
): Promise<void> => {
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { ...nameKey(department, name), clientId, clientName: name },
        ConditionExpression: 'attribute_not_exists(pk) OR clientId = :id',
        ExpressionAttributeValues: { ':id': clientId },
      }),
    );
  } catch (err: unknown) {
    if (isConditionalCheckFailed(err))
      throw new ClientNameTakenError(
        `client_name: the ${department} department already has a client named "${name}"; choose another name`,
      );
    throw err;
  }
};

export const releaseClientName = (
  doc: DynamoDBDocumentClient,
  table: string,
  department: string,
  name: string,
) => doc.send(new DeleteCommand({ TableName: table, Key: nameKey(department, name) }));

/** How many clients one initial access token may register at most. */
export const REGISTRATION_TOKEN_MAX_USES = 100;

/**
 * The non-secret id of an initial access token: a hash of it. Administrators list and revoke
 * tokens by it, and the audit trail names it; nothing stored or shown lets one rebuild the token.
 */
export const registrationTokenIdOf = (token: string): string =>
  `iat_${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;

const registrationTokenKey = (tokenId: string) => ({
  pk: `registration-token#${tokenId}`,
  sk: 'registration-token',
});
const departmentTokensKey = (department: string, tokenId: string) => ({
  pk: `department-registration-tokens#${department}`,
  sk: tokenId,
});

export interface RegistrationGrant {
  readonly department: string;
  readonly zones: readonly Zone[];
  readonly createdBy?: string;
}

/** An initial access token as administrators see it: never the token itself. */
export interface RegistrationToken extends RegistrationGrant {
  readonly tokenId: string;
  /** How many clients it may register, and how many it has. */
  readonly uses: number;
  readonly used: number;
  readonly createdAt: string;
  readonly expiresAt: number;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  readonly revokeReason?: string;
  readonly status: 'active' | 'used up' | 'revoked' | 'expired';
}

const recordOf = (item: Record<string, unknown>): RegistrationToken => {
  const uses = Number(item.uses ?? 0);
  const used = Number(item.used ?? 0);
  const expiresAt = Number(item.expiresAt);
  return {
    tokenId: String(item.tokenId),
    department: String(item.department),
    zones: item.zones as Zone[],
    ...(typeof item.createdBy === 'string' ? { createdBy: item.createdBy } : {}),
    uses,
    used,
    createdAt: String(item.createdAt),
    expiresAt,
    ...(typeof item.revokedAt === 'string'
      ? {
          revokedAt: item.revokedAt,
          revokedBy: item.revokedBy as string | undefined,
          revokeReason: item.revokeReason as string | undefined,
        }
      : {}),
    status:
      typeof item.revokedAt === 'string'
        ? 'revoked'
        : expiresAt <= epochSeconds()
          ? 'expired'
          : used >= uses
            ? 'used up'
            : 'active',
  };
};

/** Why a token may not register a client (in words for the department), or undefined. */
export const registrationTokenRefusal = (token: RegistrationToken | undefined): string | undefined => {
  if (!token) return 'this initial access token is not issued to a department';
  switch (token.status) {
    case 'revoked':
      return `this initial access token was revoked (${token.revokedAt}); ask an administrator for a new one`;
    case 'expired':
      return 'this initial access token has expired; ask an administrator for a new one';
    case 'used up':
      return `this initial access token is used up (${token.used} of ${token.uses} registrations); ask an administrator for a new one`;
    default:
      return undefined;
  }
};

/**
 * Issues an OIDC Dynamic Client Registration initial access token (RFC 7591) for a
 * department: the opaque token oidc-provider finds through its adapter, carrying the
 * department registration policy, and a record, by the token's non-secret id, of which
 * department and zones it is for and how many registrations it has left.
 */
export const createRegistrationToken = async (
  doc: DynamoDBDocumentClient,
  table: string,
  grant: RegistrationGrant,
  options: { readonly ttlSeconds: number; readonly uses: number },
): Promise<{ token: string; tokenId: string; expiresAt: number }> => {
  const jti = randomBytes(32).toString('base64url');
  const tokenId = registrationTokenIdOf(jti);
  const iat = epochSeconds();
  const exp = iat + options.ttlSeconds;
  // The department's list first: a token is usable only once its record exists, and a list
  // entry whose record is missing is skipped, so a failure between the writes leaves no usable half.
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: { ...departmentTokensKey(grant.department, tokenId), expiresAt: exp },
    }),
  );
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...registrationTokenKey(tokenId),
        ...grant,
        tokenId,
        uses: options.uses,
        used: 0,
        createdAt: new Date(iat * 1000).toISOString(),
        expiresAt: exp,
      },
    }),
  );
  await new DynamoOidcAdapter('InitialAccessToken', { doc, tableName: table }).upsert(
    jti,
    { iat, exp, jti, kind: 'InitialAccessToken', policies: [DEPARTMENT_REGISTRATION_POLICY] },
    options.ttlSeconds,
  );
  return { token: jti, tokenId, expiresAt: exp };
};

/** An initial access token's record by its non-secret id; undefined once it has expired. */
export const registrationTokenOf = async (
  doc: DynamoDBDocumentClient,
  table: string,
  tokenId: string,
): Promise<RegistrationToken | undefined> => {
  const { Item } = await doc.send(
    new GetCommand({ TableName: table, Key: registrationTokenKey(tokenId), ConsistentRead: true }),
  );
  if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt <= epochSeconds())) return undefined;
  return recordOf(Item);
};

/** A department's initial access tokens that have not expired, newest first. */
export const departmentRegistrationTokens = async (
  doc: DynamoDBDocumentClient,
  table: string,
  department: string,
): Promise<RegistrationToken[]> => {
  const listed = await queryAll(doc, {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': `department-registration-tokens#${department}` },
  });
  const tokens = await Promise.all(listed.map((i) => registrationTokenOf(doc, table, String(i.sk))));
  return tokens
    .filter((t): t is RegistrationToken => t?.department === department)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
};

/**
 * One conditional update of a token's record: the updated token, or undefined when the
 * condition failed (the record as it is then tells why).
 */
const updateToken = async (
  doc: DynamoDBDocumentClient,
  table: string,
  tokenId: string,
  update: {
    readonly set: string;
    readonly condition: string;
    readonly values: Record<string, unknown>;
    readonly names?: Record<string, string>;
  },
): Promise<RegistrationToken | undefined> => {
  try {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: registrationTokenKey(tokenId),
        UpdateExpression: update.set,
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(revokedAt) AND expiresAt > :now AND ${update.condition}`,
        ...(update.names ? { ExpressionAttributeNames: update.names } : {}),
        ExpressionAttributeValues: { ...update.values, ':now': epochSeconds() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return recordOf(Attributes!);
  } catch (err: unknown) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
};

export class RegistrationTokenRefusedError extends Error {
  override readonly name = 'RegistrationTokenRefusedError';
}

/**
 * Uses one registration of a token, atomically: the count goes up only while it is below the
 * token's uses and the token is neither revoked nor expired, so two concurrent registrations
 * cannot both take a single-use token. Throws RegistrationTokenRefusedError saying why not.
 */
export const consumeRegistrationToken = async (
  doc: DynamoDBDocumentClient,
  table: string,
  tokenId: string,
): Promise<RegistrationToken> => {
  const used = await updateToken(doc, table, tokenId, {
    set: 'SET #used = #used + :one, lastUsedAt = :at',
    condition: '#used < #uses',
    names: { '#used': 'used', '#uses': 'uses' },
    values: { ':one': 1, ':at': new Date().toISOString() },
  });
  if (used) return used;
  throw new RegistrationTokenRefusedError(
    registrationTokenRefusal(await registrationTokenOf(doc, table, tokenId)) ??
      'this initial access token was used up by another registration',
  );
};

export class RegistrationTokenNotFoundError extends Error {
  override readonly name = 'RegistrationTokenNotFoundError';
}
export class RegistrationTokenRevokedError extends Error {
  override readonly name = 'RegistrationTokenRevokedError';
}

/** Revokes a department's token at once; revoking it twice is refused, so each revocation is one act. */
export const revokeRegistrationToken = async (
  doc: DynamoDBDocumentClient,
  table: string,
  department: string,
  tokenId: string,
  by: { readonly actor?: string; readonly reason: string },
): Promise<RegistrationToken> => {
  const revoked = await updateToken(doc, table, tokenId, {
    set: 'SET revokedAt = :at, revokedBy = :by, revokeReason = :reason',
    condition: 'department = :department',
    values: {
      ':at': new Date().toISOString(),
      ':by': by.actor ?? 'unknown',
      ':reason': by.reason,
      ':department': department,
    },
  });
  if (revoked) return revoked;
  const current = await registrationTokenOf(doc, table, tokenId);
  if (current?.department !== department)
    throw new RegistrationTokenNotFoundError(
      `the ${department} department has no unexpired registration token ${tokenId}`,
    );
  throw new RegistrationTokenRevokedError(
    `registration token ${tokenId} was already revoked (${current.revokedAt})`,
  );
};

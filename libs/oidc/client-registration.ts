import { randomBytes } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { Zone } from '../config/index.ts';
import { epochSeconds, isConditionalCheckFailed, queryAll } from '../store/index.ts';
import { DynamoOidcAdapter } from './adapter.ts';
import { ACR_VALUES } from './assurance.ts';
import type { ClientMetadata } from './registry.ts';

/** The registration policy every initial access token carries (oidc-provider runs it on register and update). */
export const DEPARTMENT_REGISTRATION_POLICY = 'yitong-department';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What is wrong with a redirect (or logout, or back-channel) address, in words that say how
 * to fix it; undefined when it is fine. Plain http is for loopback addresses in local mode only.
 */
export const addressProblem = (
  value: string,
  options: { readonly localMode: boolean },
): string | undefined => {
  if (value.includes('*')) return 'wildcards are not allowed: register each address in full';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://service.gov.example/callback';
  }
  if (url.hash || value.includes('#')) return 'must not have a fragment (#…)';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && options.localMode && LOOPBACK.has(url.hostname)) return undefined;
  return options.localMode
    ? 'use https (plain http is allowed only for localhost)'
    : 'use https (plain http is allowed only for loopback addresses in local mode)';
};

const address = (localMode: boolean) =>
  z.string().superRefine((value, ctx) => {
    const problem = addressProblem(value, { localMode });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * A client as an administrator (admin API, CLI, console) registers it. Secrets are made by
 * yitong and shown once; `private_key_jwt` clients bring their keys (`jwks` or `jwks_uri`).
 */
export const clientInputSchema = (options: { readonly localMode: boolean }) =>
  z
    .strictObject({
      client_name: z.string().trim().min(2, 'at least 2 characters').max(100),
      department: z.string().min(1).max(40),
      zone: Zone,
      redirect_uris: z.array(address(options.localMode)).max(10).default([]),
      post_logout_redirect_uris: z.array(address(options.localMode)).max(10).default([]),
      backchannel_logout_uri: address(options.localMode).optional(),
      grant_types: z
        .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
        .min(1)
        .default(['authorization_code', 'refresh_token']),
      token_endpoint_auth_method: z
        .enum(['client_secret_basic', 'private_key_jwt', 'none'])
        .default('client_secret_basic'),
      jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
      jwks_uri: address(options.localMode).optional(),
      required_acr: z.enum(ACR_VALUES as unknown as [string, ...string[]]).optional(),
      /** Scopes the client may ask for, beyond openid. */
      scope: z
        .string()
        .max(1000)
        .refine((s) => s.split(' ').every((t) => scopeToken.test(t)), 'space-separated scope names')
        .optional(),
      sector_identifier_uri: address(false).optional(),
      require_pushed_authorization_requests: z.boolean().default(false),
      dpop_bound_access_tokens: z.boolean().default(false),
    })
    .superRefine((c, ctx) => {
      if (c.grant_types.includes('authorization_code') && c.redirect_uris.length === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['redirect_uris'],
          message: 'a site that signs people in needs at least one redirect URI',
        });
      if (c.token_endpoint_auth_method === 'private_key_jwt' && !c.jwks && !c.jwks_uri) {
        ctx.addIssue({
          code: 'custom',
          path: ['jwks'],
          message: 'private_key_jwt needs the client’s public keys: give jwks or jwks_uri',
        });
      }
      if (c.jwks && c.jwks_uri)
        ctx.addIssue({ code: 'custom', path: ['jwks_uri'], message: 'give jwks or jwks_uri, not both' });
      if (c.token_endpoint_auth_method === 'none' && c.grant_types.includes('client_credentials'))
        ctx.addIssue({
          code: 'custom',
          path: ['grant_types'],
          message: 'client_credentials needs a confidential client (a secret or keys)',
        });
      if (c.grant_types.includes('refresh_token') && !c.grant_types.includes('authorization_code'))
        ctx.addIssue({
          code: 'custom',
          path: ['grant_types'],
          message: 'refresh_token comes with authorization_code',
        });
    });
export type ClientInput = z.infer<ReturnType<typeof clientInputSchema>>;

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
  ...(input.jwks ? { jwks: input.jwks } : {}),
  ...(input.jwks_uri ? { jwks_uri: input.jwks_uri } : {}),
  ...(input.scope ? { scope: input.scope } : {}),
  ...(input.sector_identifier_uri ? { sector_identifier_uri: input.sector_identifier_uri } : {}),
  require_pushed_authorization_requests: input.require_pushed_authorization_requests,
  dpop_bound_access_tokens: input.dpop_bound_access_tokens,
  yitong_zone: input.zone,
  yitong_department: input.department,
  ...(input.required_acr ? { yitong_required_acr: input.required_acr } : {}),
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

const registrationTokenKey = (jti: string) => ({ pk: `registration-token#${jti}`, sk: 'registration-token' });

export interface RegistrationGrant {
  readonly department: string;
  readonly zones: readonly Zone[];
  readonly createdBy?: string;
}

/**
 * Issues an OIDC Dynamic Client Registration initial access token (RFC 7591) for a
 * department: the opaque token oidc-provider finds through its adapter, carrying the
 * department registration policy, and a record of which department and zones it is for.
 */
export const createRegistrationToken = async (
  doc: DynamoDBDocumentClient,
  table: string,
  grant: RegistrationGrant,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: number }> => {
  const jti = randomBytes(32).toString('base64url');
  const iat = epochSeconds();
  const exp = iat + ttlSeconds;
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: { ...registrationTokenKey(jti), ...grant, expiresAt: exp },
    }),
  );
  await new DynamoOidcAdapter('InitialAccessToken', { doc, tableName: table }).upsert(
    jti,
    { iat, exp, jti, kind: 'InitialAccessToken', policies: [DEPARTMENT_REGISTRATION_POLICY] },
    ttlSeconds,
  );
  return { token: jti, expiresAt: exp };
};

/** The department and zones an initial access token was issued for. */
export const registrationGrantOf = async (
  doc: DynamoDBDocumentClient,
  table: string,
  jti: string,
): Promise<RegistrationGrant | undefined> => {
  const { Item } = await doc.send(
    new GetCommand({ TableName: table, Key: registrationTokenKey(jti), ConsistentRead: true }),
  );
  if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt <= epochSeconds())) return undefined;
  return {
    department: String(Item.department),
    zones: Item.zones as Zone[],
    createdBy: Item.createdBy as string | undefined,
  };
};

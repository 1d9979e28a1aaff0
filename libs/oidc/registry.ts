import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { deferWrite, forgetPrefetched, type ItemKey, queryAll, takePrefetched } from '../store/index.ts';
import { DynamoOidcAdapter } from './adapter.ts';

/** A resource server (department API) that receives JWT access tokens for its audience. */
export const ResourceServer = z.object({
  audience: z.url(),
  name: z.string().min(1),
  department: z.string().min(1),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).min(1),
  accessTokenTtl: z.number().int().min(60).max(3600).default(600),
  /**
   * What the API's authorizer asks per route (`METHOD /resource/{param}` as API Gateway names
   * it): a scope the token must hold and a minimum level. Routes not listed need a valid token.
   */
  routes: z
    .record(
      z.string().regex(/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) \/\S*$/, 'METHOD /path'),
      z.strictObject({
        scope: z.string().optional(),
        minLoa: z.number().int().min(1).max(3).optional(),
      }),
    )
    .default({}),
});
export type ResourceServer = z.infer<typeof ResourceServer>;

/** A client granted an API beyond its department's own: who, for which department, why, when. */
export const ResourceGrant = z.object({
  clientId: z.string(),
  department: z.string().optional(),
  reason: z.string(),
  at: z.string(),
});
export type ResourceGrant = z.infer<typeof ResourceGrant>;

/** How long the issuer may reuse a resource server it read, as the authorizer does (60 s). */
export const RESOURCE_SERVER_MAX_AGE_MS = 60_000;

export interface OidcRegistryOptions {
  /**
   * Reuse a registered resource server for this long in this container (the issuer consults it
   * at every authorization, consent and token request of a resource). Only found servers are
   * kept, so a new registration counts at once; a changed department, scopes or lifetime within
   * this age. Unset (the administration API): every lookup reads the table.
   */
  readonly resourceServerMaxAgeMs?: number;
  /** For tests: the clock the age is measured by. */
  readonly now?: () => number;
}

/** Resource servers, their grants and consents of the OIDC layer, in the identity table. */
export class OidcRegistry {
  private readonly servers = new Map<string, { readonly at: number; readonly server: ResourceServer }>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: OidcRegistryOptions = {},
  ) {}

  async putResourceServer(server: ResourceServer): Promise<void> {
    const item = ResourceServer.parse(server);
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `resource-server#${item.audience}`, sk: 'resource-server', ...item },
      }),
    );
    // And in the list of all of them (an idempotent second write: repeating the put repairs it).
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: 'resource-servers', sk: item.audience, department: item.department, name: item.name },
      }),
    );
  }

  /** Every resource server, read from its own item. */
  async listResourceServers(): Promise<ResourceServer[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'resource-servers' },
      }),
    );
    const servers = await Promise.all((Items ?? []).map((i) => this.findResourceServer(String(i.sk))));
    return servers.filter((s): s is ResourceServer => s !== undefined);
  }

  async findResourceServer(audience: string): Promise<ResourceServer | undefined> {
    const maxAge = this.options.resourceServerMaxAgeMs;
    const now = this.options.now ?? Date.now;
    const cached = maxAge === undefined ? undefined : this.servers.get(audience);
    if (cached && maxAge !== undefined && now() - cached.at < maxAge) return cached.server;
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `resource-server#${audience}`, sk: 'resource-server' },
      }),
    );
    const server = Item ? ResourceServer.parse(Item) : undefined;
    if (maxAge === undefined) return server;
    if (server) this.servers.set(audience, { at: now(), server });
    else this.servers.delete(audience);
    return server;
  }

  /**
   * The list of clients granted an API, by the API: a view of the clients' `yitong_resources`
   * (which decide), kept so an API's owner sees who may call it. Writes are idempotent.
   */
  async recordGrant(resource: string, grant: ResourceGrant): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `resource-grants#${resource}`, sk: grant.clientId, ...grant },
      }),
    );
  }

  async forgetGrant(resource: string, clientId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: `resource-grants#${resource}`, sk: clientId } }),
    );
  }

  /** The clients granted an API (beyond its department's own). */
  async grantsOf(resource: string): Promise<ResourceGrant[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `resource-grants#${resource}` },
      }),
    );
    return (Items ?? []).map((i) => ResourceGrant.parse(i));
  }

  /** Where the consent of `accountId` to `clientId` is remembered (a request may prefetch it). */
  consentItemKey(accountId: string, clientId: string): ItemKey {
    return consentKey(accountId, clientId);
  }

  /** Remembers that an account consented to these scopes for a client, so it is not asked again. */
  async rememberConsent(accountId: string, clientId: string, scopes: readonly string[]): Promise<void> {
    forgetPrefetched(this.table, this.consentItemKey(accountId, clientId));
    const Item = {
      ...this.consentItemKey(accountId, clientId),
      scopes: [...new Set(scopes)],
      at: new Date().toISOString(),
    };
    // Read by later sign-ins only: written with the request's grant and interaction, before it answers.
    if (deferWrite(this.table, { PutRequest: { Item } })) return;
    await this.doc.send(new PutCommand({ TableName: this.table, Item }));
  }

  async consentedScopes(accountId: string, clientId: string): Promise<string[]> {
    const prefetched = takePrefetched(this.table, this.consentItemKey(accountId, clientId));
    const Item = prefetched.found
      ? prefetched.item
      : (
          await this.doc.send(
            new GetCommand({ TableName: this.table, Key: this.consentItemKey(accountId, clientId) }),
          )
        ).Item;
    return Array.isArray(Item?.scopes) ? Item.scopes.map(String) : [];
  }
}

/** Where the consent of `accountId` to `clientId` is remembered. */
const consentKey = (accountId: string, clientId: string): ItemKey => ({
  pk: `consent#${accountId}`,
  sk: `client#${clientId}`,
});

// The account centre's reads and removals of remembered consents: functions, not registry
// methods, so the issuer's bundle (which never lists or forgets them) does not carry them.

/** A person's remembered consent to one site: what it may see, since when. */
export interface RememberedConsent {
  readonly clientId: string;
  readonly scopes: string[];
  readonly at?: string;
}

/** Every site the account's consent is remembered for: its scopes and when it was given. */
export const rememberedConsents = async (
  doc: DynamoDBDocumentClient,
  table: string,
  accountId: string,
): Promise<RememberedConsent[]> => {
  const items = await queryAll(doc, {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :client)',
    ExpressionAttributeValues: { ':pk': consentKey(accountId, '').pk, ':client': 'client#' },
    ConsistentRead: true,
  });
  return items.map((i) => ({
    clientId: String(i.sk).slice('client#'.length),
    scopes: Array.isArray(i.scopes) ? i.scopes.map(String) : [],
    ...(typeof i.at === 'string' ? { at: i.at } : {}),
  }));
};

/** Forgets the account's consent to a client: its next sign-in there asks again. */
export const forgetConsent = async (
  doc: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  clientId: string,
): Promise<void> => {
  forgetPrefetched(table, consentKey(accountId, clientId));
  await doc.send(new DeleteCommand({ TableName: table, Key: consentKey(accountId, clientId) }));
};

/** Forgets every consent the person gave (their account is deleted). */
export const forgetConsents = async (doc: DynamoDBDocumentClient, table: string, accountId: string) => {
  for (const c of await rememberedConsents(doc, table, accountId))
    await forgetConsent(doc, table, accountId, c.clientId);
};

/** Client metadata as oidc-provider reads it (RFC 7591 names plus yitong's own). */
export type ClientMetadata = Record<string, unknown> & {
  readonly client_id: string;
  readonly yitong_zone: string;
};

/** Stores a client where oidc-provider's Client model finds it; the provider validates it on every load. */
export const putClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  metadata: ClientMetadata,
): Promise<void> => {
  await new DynamoOidcAdapter('Client', { doc, tableName: table }).upsert(metadata.client_id, metadata);
};

export const getClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  clientId: string,
): Promise<ClientMetadata | undefined> => {
  const { Item } = await doc.send(
    new GetCommand({ TableName: table, Key: { pk: `oidc#Client#${clientId}`, sk: 'oidc' } }),
  );
  return Item ? (JSON.parse(String(Item.payload)) as ClientMetadata) : undefined;
};

/**
 * The APIs a client was granted beyond its own department's: the names of yitong's own APIs
 * (`admin`, `audit`, `licences`, at the client's zone's issuer) and the audiences of other
 * departments' resource servers. Only administrators (and yitong's own first-party code) set it.
 */
export const grantedResources = (client: object): string[] => {
  const granted = (client as { readonly yitong_resources?: unknown }).yitong_resources;
  return Array.isArray(granted) ? granted.map(String) : [];
};

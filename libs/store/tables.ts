/**
 * Table definitions shared by the CDK stack and the local store, so both create
 * exactly the same key schema, indexes and TTL attribute.
 */
export type TableName = 'identity' | 'licences' | 'audit';
export type AttributeType = 'S' | 'N';

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** KEYS_ONLY where the caller only needs keys (e.g. to delete), ALL where it reads the item. */
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

export interface TableDefinition {
  readonly name: TableName;
  readonly partitionKey: 'pk';
  readonly sortKey: 'sk';
  /** Types of every attribute used in a key or index key. */
  readonly attributes: Readonly<Record<string, AttributeType>>;
  readonly indexes: readonly IndexDefinition[];
  /** Epoch seconds; DynamoDB deletes late, so every read also treats a past value as absent. */
  readonly ttlAttribute: 'expiresAt';
}

export const TTL_ATTRIBUTE = 'expiresAt';

export const IDENTITY_INDEXES = {
  /** oidc-provider Session.findByUid. Sparse: only items with `uid`. */
  byUid: 'byUid',
  /** oidc-provider DeviceCode.findByUserCode. Sparse: only items with `userCode`. */
  byUserCode: 'byUserCode',
  /** revokeByGrantId: `grantKey` is `<model>#<grantId>`, set only on grantable models. */
  byGrantKey: 'byGrantKey',
} as const;

export const LICENCE_INDEXES = {
  /** A holder's licences, shares and verification receipts: `holderSort` is `<kind>#…`. Sparse. */
  byHolder: 'byHolder',
} as const;

export const AUDIT_INDEXES = {
  /** Who did it: `actor`, newest first by `time`. Sparse, like every audit index. */
  byActor: 'byActor',
  /** Whom it was about. */
  bySubject: 'bySubject',
  /** Which client (site or machine) it was for. */
  byClient: 'byClient',
  /** Event type. */
  byType: 'byType',
  /** Calendar month (`YYYY-MM`) for queries by time, zone or outcome alone. */
  byMonth: 'byMonth',
  /** An event by its id (help-desk references, alert links). */
  byEventId: 'byEventId',
} as const;

export const TABLES: Readonly<Record<TableName, TableDefinition>> = {
  identity: {
    name: 'identity',
    partitionKey: 'pk',
    sortKey: 'sk',
    attributes: { pk: 'S', sk: 'S', uid: 'S', userCode: 'S', grantKey: 'S' },
    indexes: [
      { name: IDENTITY_INDEXES.byUid, partitionKey: 'uid', projection: 'ALL' },
      { name: IDENTITY_INDEXES.byUserCode, partitionKey: 'userCode', projection: 'ALL' },
      { name: IDENTITY_INDEXES.byGrantKey, partitionKey: 'grantKey', sortKey: 'pk', projection: 'KEYS_ONLY' },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
  },
  licences: {
    name: 'licences',
    partitionKey: 'pk',
    sortKey: 'sk',
    attributes: { pk: 'S', sk: 'S', holder: 'S', holderSort: 'S' },
    indexes: [
      { name: LICENCE_INDEXES.byHolder, partitionKey: 'holder', sortKey: 'holderSort', projection: 'ALL' },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
  },
  audit: {
    name: 'audit',
    partitionKey: 'pk',
    sortKey: 'sk',
    attributes: {
      pk: 'S',
      sk: 'S',
      actor: 'S',
      subject: 'S',
      client: 'S',
      type: 'S',
      month: 'S',
      time: 'S',
      eventId: 'S',
    },
    indexes: [
      { name: AUDIT_INDEXES.byActor, partitionKey: 'actor', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.bySubject, partitionKey: 'subject', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byClient, partitionKey: 'client', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byType, partitionKey: 'type', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byMonth, partitionKey: 'month', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byEventId, partitionKey: 'eventId', projection: 'KEYS_ONLY' },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
  },
};

export const TABLE_LIST: readonly TableDefinition[] = Object.values(TABLES);

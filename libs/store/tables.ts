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
  /**
   * A person's browser sessions and grants (the account centre, signing out everywhere,
   * withdrawing consent, closing an account): `accountKey` is `<model>#<accountId>`, set only
   * on oidc-provider's Session and Grant items. Sparse.
   */
  byAccount: 'byAccount',
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
  /** Which client (site or machine) it was for: `clientKey` is `<client>#<index shard>`. */
  byClient: 'byClientShard',
  /** Event type: `typeKey` is `<type>#<index shard>`. */
  byType: 'byTypeShard',
  /** Calendar month, for queries by time, zone or outcome alone: `monthKey` is `<YYYY-MM>#<index shard>`. */
  byMonth: 'byMonthShard',
  /** An event by its id (help-desk references, alert links). */
  byEventId: 'byEventId',
  /** A chain's seals by the time they were written (`sealOf` is the chain): finds an event's seal. */
  bySeal: 'bySeal',
} as const;

export const TABLES: Readonly<Record<TableName, TableDefinition>> = {
  identity: {
    name: 'identity',
    partitionKey: 'pk',
    sortKey: 'sk',
    attributes: { pk: 'S', sk: 'S', uid: 'S', userCode: 'S', grantKey: 'S', accountKey: 'S' },
    indexes: [
      { name: IDENTITY_INDEXES.byUid, partitionKey: 'uid', projection: 'ALL' },
      { name: IDENTITY_INDEXES.byUserCode, partitionKey: 'userCode', projection: 'ALL' },
      { name: IDENTITY_INDEXES.byGrantKey, partitionKey: 'grantKey', sortKey: 'pk', projection: 'KEYS_ONLY' },
      { name: IDENTITY_INDEXES.byAccount, partitionKey: 'accountKey', sortKey: 'pk', projection: 'ALL' },
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
      clientKey: 'S',
      typeKey: 'S',
      monthKey: 'S',
      time: 'S',
      eventId: 'S',
      sealOf: 'S',
      sealedAt: 'S',
    },
    indexes: [
      { name: AUDIT_INDEXES.byActor, partitionKey: 'actor', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.bySubject, partitionKey: 'subject', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byClient, partitionKey: 'clientKey', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byType, partitionKey: 'typeKey', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byMonth, partitionKey: 'monthKey', sortKey: 'time', projection: 'ALL' },
      { name: AUDIT_INDEXES.byEventId, partitionKey: 'eventId', projection: 'KEYS_ONLY' },
      { name: AUDIT_INDEXES.bySeal, partitionKey: 'sealOf', sortKey: 'sealedAt', projection: 'KEYS_ONLY' },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
  },
};

export const TABLE_LIST: readonly TableDefinition[] = Object.values(TABLES);

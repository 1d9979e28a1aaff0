export {
  createDynamoClient,
  type DynamoClientOptions,
  epochSeconds,
  isConditionalCheckFailed,
  isExpired,
  queryAll,
} from './client.ts';
export { createTableInput, dropTables, ensureTables } from './provision.ts';
export {
  AUDIT_INDEXES,
  IDENTITY_INDEXES,
  type IndexDefinition,
  LICENCE_INDEXES,
  TABLE_LIST,
  TABLES,
  type TableDefinition,
  type TableName,
  TTL_ATTRIBUTE,
} from './tables.ts';

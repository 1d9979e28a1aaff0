export {
  createDynamoClient,
  type DynamoClientOptions,
  epochSeconds,
  isConditionalCheckFailed,
  isExpired,
  queryAll,
} from './client.ts';
export { dropTables, ensureTables } from './provision.ts';
export {
  deferWrite,
  flushWrites,
  forgetPrefetched,
  type ItemKey,
  prefetchItems,
  requestMemo,
  takePrefetched,
  takePrefetchedByUid,
  withRequestMemo,
} from './request-memo.ts';
export { AUDIT_INDEXES, IDENTITY_INDEXES, LICENCE_INDEXES, TABLE_LIST, type TableName } from './tables.ts';

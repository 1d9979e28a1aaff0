import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AuditTrail, stripKey } from '../../libs/audit/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

/** Every audit event in a table, across all its shards, oldest first (read by key, for tests). */
export const auditEventsIn = async (
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Array<Record<string, unknown>>> => {
  const trail = new AuditTrail(doc, table);
  const shards = await Promise.all(trail.chains().map((chain) => trail.readEventItems(chain)));
  return shards
    .flat()
    .map((item) => stripKey(item) as unknown as Record<string, unknown>)
    .sort((a, b) => String(a.time).localeCompare(String(b.time)));
};

/** Every audit event a local stack has recorded, oldest first. */
export const auditEvents = (stack: LocalStack): Promise<Array<Record<string, unknown>>> =>
  auditEventsIn(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.audit);

/** How often a two-administrator grant was audited: asked for by one, approved by the other. */
export const roleRequestTrail = async (stack: LocalStack, requester: string, approver: string) => {
  const trail = await auditEvents(stack);
  return {
    requested: trail.filter((e) => e.type === 'admin.role_request.created' && e.actor === requester).length,
    approved: trail.filter((e) => e.type === 'admin.role_request.approved' && e.actor === approver).length,
  };
};

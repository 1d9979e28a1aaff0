import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../infra/local/stack.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

/** Every audit event in a table, across all its chains, oldest first (read by key, for tests). */
export const auditEventsIn = async (
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Array<Record<string, unknown>>> => {
  const log = new DynamoAuditLog(doc, table);
  const chains = await Promise.all(log.chains().map((chain) => log.read(chain)));
  return chains.flat().sort((a, b) => a.time.localeCompare(b.time)) as unknown as Array<
    Record<string, unknown>
  >;
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

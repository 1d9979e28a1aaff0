import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { traced } from '../observability/index.ts';

export interface DynamoClientOptions {
  /** A DynamoDB-compatible endpoint (the embedded store, or another); AWS's own when absent. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  /** Extra SDK middleware, e.g. a call counter for benchmarks or a fault injector for tests. */
  readonly configure?: (client: DynamoDBClient) => void;
}

/** Builds the document client every store uses; honours DYNAMODB_ENDPOINT via `endpoint`. */
export const createDynamoClient = (options: DynamoClientOptions = {}): DynamoDBDocumentClient => {
  const config: DynamoDBClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? 'local',
    maxAttempts: 4,
  };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    // A local or third-party endpoint takes any credentials; don't make developers configure AWS.
    if (!process.env.AWS_ACCESS_KEY_ID) {
      config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    }
  }
  // Traced on Lambda: each call an X-Ray subsegment (a no-op elsewhere).
  const client = traced(new DynamoDBClient(config));
  options.configure?.(client);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
};

/** True when a conditional write lost: the item was not in the state the write required. */
export const isConditionalCheckFailed = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';

/** Epoch seconds, the unit of the TTL attribute. */
export const epochSeconds = (date: Date = new Date()): number => Math.floor(date.getTime() / 1000);

/** DynamoDB deletes expired items late (the embedded store never does): reads must hide them. */
export const isExpired = (item: { expiresAt?: unknown }, now: number = epochSeconds()): boolean =>
  typeof item.expiresAt === 'number' && item.expiresAt <= now;

/** Every item a query matches, following DynamoDB's pages (for small, bounded result sets). */
export const queryAll = async (
  doc: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: cursor }));
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
};

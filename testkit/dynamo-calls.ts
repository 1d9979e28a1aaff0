import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB call as the SDK sent it: the operation and the table (and index) it named. */
export interface DynamoCall {
  readonly op: string;
  readonly table?: string;
  readonly index?: string;
  /** The partition key value a single-item call names, when it has a string `pk`. */
  readonly pk?: string;
}

/** A key attribute as the document client (plain) or the low-level client (`{ S }`) holds it. */
const keyText = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof (value as { S?: unknown } | undefined)?.S === 'string'
      ? (value as { S: string }).S
      : undefined;

/**
 * Counts DynamoDB API calls through SDK middleware (what AWS bills per request): pass
 * `configure` to `createDynamoClient` or to the local stack's `configureDynamo`.
 */
export class DynamoCalls {
  private log: DynamoCall[] = [];

  readonly configure = (client: DynamoDBClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args.input ?? {}) as {
          TableName?: string;
          IndexName?: string;
          Key?: { pk?: unknown };
          Item?: { pk?: unknown };
        };
        this.log.push({
          op: String(context.commandName ?? 'unknown').replace(/Command$/, ''),
          table: input.TableName,
          index: input.IndexName,
          pk: keyText(input.Key?.pk ?? input.Item?.pk),
        });
        return next(args);
      },
      { step: 'initialize', name: 'yitongDynamoCalls' },
    );
  };

  reset(): void {
    this.log = [];
  }

  get calls(): readonly DynamoCall[] {
    return this.log;
  }

  total(): number {
    return this.log.length;
  }

  /** `GetItem 3, PutItem 2` — for a failure message a person can act on. */
  breakdown(): string {
    const counts = new Map<string, number>();
    for (const call of this.log) counts.set(call.op, (counts.get(call.op) ?? 0) + 1);
    return [...counts.entries()].map(([op, n]) => `${op} ${n}`).join(', ');
  }

  /** Every call, one a line: operation, table, partition key. */
  describe(): string {
    return this.log
      .map((c) => `${c.op} ${c.table ?? ''}${c.index ? `/${c.index}` : ''} ${c.pk ?? ''}`)
      .join('\n');
  }
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Counts DynamoDB API calls by operation, through SDK middleware (what AWS would bill). */
export class DynamoCallCounter {
  private counts = new Map<string, number>();

  readonly configure = (client: DynamoDBClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'yitongCallCounter' },
    );
  };

  reset(): void {
    this.counts = new Map();
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  breakdown(): string {
    return [...this.counts.entries()].map(([op, n]) => `${op} ${n}`).join(', ');
  }
}

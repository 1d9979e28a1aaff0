import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type FaultKind =
  /** DynamoDB refuses: ThrottlingException before the request reaches the store. */
  | 'throttle'
  /** The store fails: a 500 InternalServerError before the request reaches it. */
  | 'internal'
  /** The write lands, then the response is lost: a TimeoutError after the store answered. */
  | 'lost-response';

interface Plan {
  readonly commands: ReadonlySet<string>;
  readonly nth: number;
  readonly kind: FaultKind;
  /** Consecutive matching calls that fail from the nth on (the SDK retries up to 4 times). */
  readonly times: number;
  seen: number;
  fired: number;
}

const errorOf = (kind: FaultKind): Error => {
  const [name, message, status] =
    kind === 'throttle'
      ? ['ThrottlingException', 'Rate of requests exceeds the allowed throughput.', 400]
      : kind === 'internal'
        ? ['InternalServerError', 'Internal server error', 500]
        : ['TimeoutError', 'socket timed out after the store answered', 0];
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status || undefined } });
};

/**
 * Fault injection through SDK middleware, inside the SDK's own retries (the deserialize step):
 * what a real throttle, store error or lost response does to a call, retries included.
 */
export class FaultInjector {
  private plan: Plan | undefined;
  private counting: Map<string, number> | undefined;

  readonly configure = (client: DynamoDBClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName ?? '');
        if (this.counting) this.counting.set(command, (this.counting.get(command) ?? 0) + 1);
        const plan = this.plan;
        if (!plan?.commands.has(command)) return next(args);
        plan.seen += 1;
        const due = plan.seen >= plan.nth && plan.fired < plan.times;
        if (!due) return next(args);
        plan.fired += 1;
        if (plan.kind === 'lost-response') {
          await next(args);
          throw errorOf('lost-response');
        }
        throw errorOf(plan.kind);
      },
      { step: 'deserialize', name: 'yitongFaultInjector' },
    );
  };

  /** Fails the nth matching call (and the next `times - 1` matching calls, retries included). */
  arm(commands: readonly string[], nth: number, kind: FaultKind, times = 1): void {
    this.plan = { commands: new Set(commands), nth, kind, times, seen: 0, fired: 0 };
  }

  /** Whether the armed fault went off. */
  get fired(): number {
    return this.plan?.fired ?? 0;
  }

  disarm(): void {
    this.plan = undefined;
  }

  /** Counts calls by command while `act` runs. */
  async count(act: () => Promise<unknown>): Promise<Map<string, number>> {
    this.counting = new Map();
    try {
      await act();
      return this.counting;
    } finally {
      this.counting = undefined;
    }
  }
}

export const WRITES = ['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'] as const;

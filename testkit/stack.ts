import { type LocalStack, type LocalStackOptions, startLocalStack } from '../infra/local/stack.ts';

/** A throwaway local stack on free ports, without demo sites or timed checkpoints (tests ask for one). */
export const startTestStack = (options: LocalStackOptions = {}): Promise<LocalStack> =>
  startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
    checkpointSeconds: 0,
    ...options,
  });

import { describe, expect, it } from 'vitest';
import { benchBareProvider, benchYitong } from '../../bench/token.ts';

describe('benchmark harness', () => {
  it('measures the token endpoint and counts DynamoDB calls at a tiny size', async () => {
    const ours = await benchYitong(2);
    const bare = await benchBareProvider(2);
    expect(ours.codeExchangePerSecond).toBeGreaterThan(0);
    expect(ours.refreshPerSecond).toBeGreaterThan(0);
    expect(bare.codeExchangePerSecond).toBeGreaterThan(0);
    expect(ours.calls?.refresh).toMatch(/^\d+ \(/);
    expect(Number.parseInt(ours.calls!.codeExchange, 10)).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../libs/audit/index.ts';

describe('canonical JSON for hashing', () => {
  it('orders keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text for equal objects built in different orders', () => {
    expect(canonicalJson({ x: 'é', y: [null, true] })).toBe(canonicalJson({ y: [null, true], x: 'é' }));
  });

  it('refuses numbers JSON cannot represent', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
  });
});

import { describe, expect, it } from 'vitest';
import { benchAudit } from '../../bench/audit.ts';
import { benchLicences } from '../../bench/licences.ts';
import { benchPolicy, policyLoadCost } from '../../bench/policy.ts';
import { benchTokens, TIMED_GRANTS } from '../../bench/token.ts';

describe('benchmark harness', () => {
  it('measures the token endpoint against bare oidc-provider on the same adapter, and costs each operation', async () => {
    const tokens = await benchTokens(1, 2);
    for (const samples of [tokens.yitong, tokens.bare, tokens.memory]) {
      for (const grant of TIMED_GRANTS) {
        expect(samples[grant].wall).toHaveLength(1);
        expect(samples[grant].wall[0]).toBeGreaterThan(0);
        expect(samples[grant].cpu[0]).toBeGreaterThan(0);
      }
    }
    for (const op of [
      'passwordLogin',
      'ssoLogin',
      'codeExchange',
      'refresh',
      'clientCredentials',
      'licenceIssue',
      'onlineVerify',
    ] as const) {
      const cost = tokens.costs.yitong[op];
      expect(cost.calls, op).toBeGreaterThan(0);
      expect(cost.breakdown, op).toMatch(/^\w+ \d+/);
      expect(cost.readUnits + cost.writeUnits, op).toBeGreaterThan(0);
    }
    // The baseline really stores through the adapter: a code exchange reads and consumes the code.
    expect(tokens.costs.bare.codeExchange?.breakdown).toMatch(/UpdateItem 1/);
    expect(tokens.costs.yitong.codeExchange.items).toMatch(/UpdateItem oidc#AuthorizationCode 1/);
    expect(tokens.costs.bare.refresh?.writeUnits).toBeGreaterThan(0);
    expect(tokens.missingCapacity).toBe('');
  });

  it('measures policy decisions against raw Cedar and the policy load cost at a tiny size', async () => {
    const policy = await benchPolicy(20);
    expect(policy.uncached.perSecond).toBeGreaterThan(0);
    expect(policy.raw.perSecond).toBeGreaterThan(0);
    expect(policy.uncached.p99Us).toBeGreaterThanOrEqual(policy.uncached.p50Us);
    expect(policy.warmUp).toBeGreaterThan(0);
    const load = policyLoadCost('bundled');
    expect(load.wasmMs).toBeGreaterThan(0);
    expect(load.policiesMs).toBeGreaterThan(0);
  });

  it('measures licence verification, issuance and sizes at a tiny size', async () => {
    const licences = await benchLicences(10, 2, 2);
    expect(licences.verifyPerSecond).toHaveLength(2);
    expect(licences.rawJosePerSecond).toHaveLength(2);
    expect(Math.min(...licences.verifyPerSecond, ...licences.rawJosePerSecond)).toBeGreaterThan(0);
    expect(licences.licences).toBeGreaterThan(1);
    expect(licences.issuePerSecond).toBeGreaterThan(0);
    expect(licences.statusListOnePercentBytes).toBeGreaterThan(licences.statusListBytes);
  });

  it('measures audit appends, a query among many events and export at a tiny size', async () => {
    const audit = await benchAudit(40, 400, 1);
    expect(audit.append32.median).toBeGreaterThan(0);
    expect(audit.plain32.median).toBeGreaterThan(0);
    expect(audit.errors32).toBe(0);
    expect(audit.sealer.events).toBeGreaterThan(0);
    expect(audit.verify.events).toBe(audit.sealer.events);
    expect(audit.writeUnitsPerAppend.indexes).toBeGreaterThan(0);
    expect(audit.query.returned).toBeGreaterThan(0);
    expect(audit.query.read).toBeLessThanOrEqual(2 * audit.query.returned);
    expect(audit.exported).toBeGreaterThan(0);
    expect(audit.callsPerAppend).toMatch(/PutItem/);
  });
});

import { describe, expect, it } from 'vitest';
import { benchAudit } from '../../bench/audit.ts';
import { benchLicences } from '../../bench/licences.ts';
import { benchPolicy, policyLoadCost } from '../../bench/policy.ts';
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
    expect(ours.clientCredentialsPerSecond).toBeGreaterThan(0);
    expect(bare.clientCredentialsPerSecond).toBeGreaterThan(0);
    for (const op of ['clientCredentials', 'licenceIssue', 'onlineVerify'] as const) {
      expect(Number.parseInt(ours.calls![op], 10), op).toBeGreaterThan(0);
    }
  });

  it('measures policy decisions against raw Cedar and the policy load cost at a tiny size', async () => {
    const policy = await benchPolicy(20);
    expect(policy.oursPerSecond).toBeGreaterThan(0);
    expect(policy.rawPerSecond).toBeGreaterThan(0);
    expect(policy.oursP99Us).toBeGreaterThan(0);
    const load = policyLoadCost('bundled');
    expect(load.wasmMs).toBeGreaterThan(0);
    expect(load.policiesMs).toBeGreaterThan(0);
  });

  it('measures licence verification, issuance and sizes at a tiny size', async () => {
    const licences = await benchLicences(10, 2);
    expect(licences.verifyPerSecond).toBeGreaterThan(0);
    expect(licences.rawJosePerSecond).toBeGreaterThan(0);
    expect(licences.issuePerSecond).toBeGreaterThan(0);
    expect(licences.statusListOnePercentBytes).toBeGreaterThan(licences.statusListBytes);
  });

  it('measures audit appends, a query among many events and export at a tiny size', async () => {
    const audit = await benchAudit(20, 400);
    expect(audit.appendPerSecond).toBeGreaterThan(0);
    expect(audit.rawPutPerSecond).toBeGreaterThan(0);
    expect(audit.query.returned).toBeGreaterThan(0);
    expect(audit.query.read).toBeLessThanOrEqual(2 * audit.query.returned);
    expect(audit.exported).toBeGreaterThan(0);
    expect(audit.callsPerAppend).toMatch(/PutItem/);
  });
});

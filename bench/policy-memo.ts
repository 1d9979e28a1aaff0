/**
 * Policy decisions with the per-container memo (libs/policy/engine.ts): p50/p99 of a repeated
 * decision (answered from the memo) against the same decision evaluated by Cedar every time
 * (`decideUncached`), each built as a caller builds it (entities from the stored account
 * shape, context with the current time). Warm-up runs are excluded from the percentiles.
 *
 *   npx tsx bench/policy-memo.ts [iterations=20000]
 */
import {
  type AccessRequest,
  PolicyEngine,
  requestContext,
  routeEntities,
  uniqueEntities,
  userEntities,
} from '../libs/policy/index.ts';

const AUDITOR = {
  id: '5b0c1d2e-0000-4000-8000-000000000001',
  kind: 'staff',
  status: 'active',
  roles: ['staff', 'auditor'],
  department: 'general-office',
  identityAssurance: 'verified',
  lockedUntil: 0,
};
const ROUTE = { id: 'GET /audit/verify', area: 'audit' as const, zones: ['intranet'] };

const request = (): AccessRequest => {
  const user = userEntities(AUDITOR);
  const route = routeEntities(ROUTE);
  return {
    principal: user[0]!.uid as AccessRequest['principal'],
    action: 'callApi',
    resource: route[0]!.uid as AccessRequest['resource'],
    context: requestContext('intranet', {
      acr: 'urn:yitong:loa:2',
      amr: ['pwd', 'otp'],
      scopes: ['audit:read'],
    }),
    entities: uniqueEntities(user, route),
  };
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Times `n` calls after `warm` unmeasured ones; microseconds at p50/p99. */
const time = (n: number, warm: number, decide: () => boolean) => {
  for (let i = 0; i < warm; i++) if (!decide()) throw new Error('the benchmark request should be allowed');
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    decide();
    us.push((performance.now() - t) * 1000);
  }
  us.sort((a, b) => a - b);
  return { p50: percentile(us, 50), p99: percentile(us, 99) };
};

export const benchPolicyMemo = async (iterations = 20_000) => {
  const engine = await PolicyEngine.load();
  const warm = Math.max(200, Math.floor(iterations / 10));
  const uncached = time(iterations, warm, () => engine.decideUncached(request()).allowed);
  const repeated = time(iterations, warm, () => engine.decide(request()).allowed);
  return { iterations, warm, repeated, uncached };
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchPolicyMemo(Number(process.argv[2] ?? 20_000));
  const f = (x: number) => x.toFixed(1);
  console.log(
    `policy decisions, ${r.iterations} each after ${r.warm} warm-up: ` +
      `repeated (memo) p50 ${f(r.repeated.p50)} µs p99 ${f(r.repeated.p99)} µs; ` +
      `uncached (Cedar) p50 ${f(r.uncached.p50)} µs p99 ${f(r.uncached.p99)} µs`,
  );
}

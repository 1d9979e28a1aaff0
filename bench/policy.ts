/**
 * Policy decisions: yitong's libs/policy (entities built from the stored account shape, the
 * decision, its explanation) next to raw Cedar `statefulIsAuthorized` on the same request with
 * the same preparsed policy set, in the same process. Also the cold-start cost of loading the
 * engine and the policy set, measured in fresh processes.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import {
  type AccessRequest,
  explain,
  PolicyEngine,
  requestContext,
  routeEntities,
  uniqueEntities,
  userEntities,
} from '../libs/policy/index.ts';

/** Decisions per second and latency percentiles (µs) of one way of deciding, warm-up excluded. */
export interface DecisionTimes {
  readonly perSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

export interface PolicyBench {
  /** libs/policy deciding afresh every time (no decision memo), as on a first request. */
  readonly uncached: DecisionTimes;
  /** Raw Cedar on a prebuilt request against the same preparsed policy set. */
  readonly raw: DecisionTimes;
  /**
   * libs/policy with its per-container decision memo, the same request repeated. Absent until
   * libs/policy memoises decisions; bench/run.ts prints its row when it is here.
   */
  readonly memoised?: DecisionTimes;
  /** Decisions of each kind made before timing, not in the figures. */
  readonly warmUp: number;
}

const AUDITOR = {
  id: '5b0c1d2e-0000-4000-8000-000000000001',
  kind: 'staff',
  status: 'active',
  roles: ['staff', 'auditor'],
  department: 'general-office',
  identityAssurance: 'verified',
  ial: 1,
  lockedUntil: 0,
};
const ROUTE = { id: 'GET /audit/verify', area: 'audit' as const, zones: ['intranet'] };

const ourDecision = (engine: PolicyEngine, memoised = false) => {
  const user = userEntities(AUDITOR);
  const route = routeEntities(ROUTE);
  const request: AccessRequest = {
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
  // Uncached: Cedar decides afresh every call; memoised: the per-container memo answers.
  const decision = memoised ? engine.decide(request) : engine.decideUncached(request);
  explain(request, decision);
  return decision.allowed;
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export const benchPolicy = async (iterations: number): Promise<PolicyBench> => {
  const engine = await PolicyEngine.load();
  // The raw baseline: the same request as Cedar JSON, built once, against the same preparsed set.
  const user = userEntities(AUDITOR);
  const route = routeEntities(ROUTE);
  const setId = (engine as unknown as { setId: string }).setId;
  const schemaId = (engine as unknown as { schemaId: string }).schemaId;
  const raw = {
    principal: user[0]!.uid,
    action: { type: 'Yitong::Action', id: 'callApi' },
    resource: route[0]!.uid,
    context: {
      zone: 'intranet',
      loa: 2,
      acr: 'urn:yitong:loa:2',
      amr: ['pwd', 'otp'],
      scopes: ['audit:read'],
      now: 0,
    },
    entities: uniqueEntities(user, route),
    preparsedPolicySetId: setId,
    preparsedSchemaName: schemaId,
    validateRequest: true,
  };
  const rawDecision = () => {
    const answer = cedar.statefulIsAuthorized(raw);
    return answer.type === 'success' && answer.response.decision === 'allow';
  };
  if (!ourDecision(engine) || !rawDecision()) throw new Error('the benchmark request should be allowed');

  // Warm-up, not timed: the first calls compile Cedar's wasm paths and let V8 optimise ours.
  const warmUp = Math.max(200, Math.floor(iterations / 10));
  for (let i = 0; i < warmUp; i++) {
    ourDecision(engine);
    ourDecision(engine, true);
    rawDecision();
  }

  const ours: number[] = [];
  const memo: number[] = [];
  const rawTimes: number[] = [];
  const batch = Math.max(1, Math.floor(iterations / 10));
  for (let done = 0; done < iterations; done += batch) {
    for (let i = 0; i < batch; i++) {
      const t = performance.now();
      ourDecision(engine);
      ours.push(performance.now() - t);
    }
    for (let i = 0; i < batch; i++) {
      const t = performance.now();
      rawDecision();
      rawTimes.push(performance.now() - t);
    }
    for (let i = 0; i < batch; i++) {
      const t = performance.now();
      ourDecision(engine, true);
      memo.push(performance.now() - t);
    }
  }
  const times = (xs: number[]): DecisionTimes => ({
    perSecond: (xs.length / xs.reduce((a, b) => a + b, 0)) * 1000,
    p50Us: percentile(xs, 50) * 1000,
    p99Us: percentile(xs, 99) * 1000,
  });
  return { uncached: times(ours), memoised: times(memo), raw: times(rawTimes), warmUp };
};

/**
 * In a fresh process: milliseconds to load the Cedar wasm, then to parse and preparse the
 * policies — as bundled (validated at synth) or validating them at load.
 */
export const policyLoadCost = (mode: 'bundled' | 'validate'): { wasmMs: number; policiesMs: number } => {
  const script = fileURLToPath(new URL('./lib/policy-load.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { wasmMs: number; policiesMs: number };
};

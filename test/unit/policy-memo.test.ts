import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessRequest,
  PolicyEngine,
  readPolicySources,
  requestContext,
  routeEntities,
  uniqueEntities,
  userEntities,
} from '../../libs/policy/index.ts';

// The per-container decision memo (libs/policy/engine.ts): a repeated request is answered from
// memory, and any change to what Cedar would see is decided afresh — never a stale allow.
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

const auditRequest = (
  account: Parameters<typeof userEntities>[0],
  zone = 'intranet',
  nowMs = Date.now(),
): AccessRequest => {
  const user = userEntities(account, nowMs);
  const route = routeEntities(ROUTE);
  return {
    principal: user[0]!.uid as AccessRequest['principal'],
    action: 'callApi',
    resource: route[0]!.uid as AccessRequest['resource'],
    context: requestContext(
      zone,
      { acr: 'urn:yitong:loa:2', amr: ['pwd', 'otp'], scopes: ['audit:read'] },
      nowMs,
    ),
    entities: uniqueEntities(user, route),
  };
};

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.load();
});

describe('decision memo', () => {
  it('answers a repeated request from memory with the same, frozen decision', () => {
    engine.clearMemo();
    const first = engine.decide(auditRequest(AUDITOR));
    expect(first.allowed).toBe(true);
    expect(engine.memoSize).toBe(1);
    const again = engine.decide(auditRequest(AUDITOR));
    expect(again).toBe(first);
    expect(engine.memoSize).toBe(1);
    expect(Object.isFrozen(first) && Object.isFrozen(first.policyIds)).toBe(true);
  });

  it('decides a changed role afresh: the same person without the auditor role is refused', () => {
    engine.clearMemo();
    expect(engine.decide(auditRequest(AUDITOR)).allowed).toBe(true);
    const demoted = { ...AUDITOR, roles: ['staff'] };
    const decision = engine.decide(auditRequest(demoted));
    expect(decision.allowed).toBe(false);
    expect(decision).toEqual(engine.decideUncached(auditRequest(demoted)));
    expect(engine.memoSize).toBe(2);
    // And back: the role restored is allowed again, never a remembered denial.
    expect(engine.decide(auditRequest(AUDITOR)).allowed).toBe(true);
  });

  it('decides changed attributes and context afresh (status, lock, zone)', () => {
    engine.clearMemo();
    expect(engine.decide(auditRequest(AUDITOR)).allowed).toBe(true);
    expect(engine.decide(auditRequest({ ...AUDITOR, status: 'disabled' })).allowed).toBe(false);
    const now = Date.now();
    const locked = { ...AUDITOR, lockedUntil: Math.floor(now / 1000) + 60 };
    expect(engine.decide(auditRequest(locked, 'intranet', now)).allowed).toBe(
      engine.decideUncached(auditRequest(locked, 'intranet', now)).allowed,
    );
    expect(engine.decide(auditRequest(AUDITOR, 'public')).allowed).toBe(false);
  });

  it('keeps at most DECISION_MEMO_SIZE decisions, least recently used out first', async () => {
    const { DECISION_MEMO_SIZE } = await import('../../libs/policy/engine.ts');
    engine.clearMemo();
    for (let i = 0; i < DECISION_MEMO_SIZE + 5; i++) {
      engine.decide(auditRequest({ ...AUDITOR, id: `user-${i}` }));
    }
    expect(engine.memoSize).toBe(DECISION_MEMO_SIZE);
  });

  it('keys on the request time once any policy reads it, and a new policy set starts empty', async () => {
    const sources = readPolicySources();
    const timed = await PolicyEngine.load({
      schema: sources.schema,
      files: {
        ...sources.files,
        'clock.cedar':
          '@id("before-2000") forbid (principal, action, resource) when { context.now < 946684800 };',
      },
    });
    expect(timed.memoSize).toBe(0);
    const t = Date.UTC(2026, 0, 1);
    expect(timed.decide(auditRequest(AUDITOR, 'intranet', t)).allowed).toBe(true);
    // Same entities (lock computed for the later time too), earlier clock: a new key, refused.
    const early = auditRequest(AUDITOR, 'intranet', t);
    const past = { ...early, context: { ...early.context, now: 1 } };
    expect(timed.decide(past).allowed).toBe(false);
    expect(timed.memoSize).toBe(2);
    // While no policy mentions the time, one second later is the same decision from memory.
    engine.clearMemo();
    engine.decide(auditRequest(AUDITOR, 'intranet', t));
    engine.decide(auditRequest(AUDITOR, 'intranet', t + 1000));
    expect(engine.memoSize).toBe(1);
  });
});

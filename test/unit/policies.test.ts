import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyLoadError } from '../../libs/policy/engine.ts';
import {
  caseRequest,
  loadPolicyTests,
  type PolicyCase,
  PolicyEngine,
  readPolicySources,
  runPolicyCase,
} from '../../libs/policy/index.ts';

const { fixtures, files } = loadPolicyTests();
let engine: PolicyEngine;

beforeAll(async () => {
  engine = await PolicyEngine.load();
});

describe.each(files)('policy tests: $file', ({ cases }) => {
  it.each(cases)('$name', (c) => {
    const result = runPolicyCase(engine, fixtures, c);
    expect(result.decision.errors).toEqual([]);
    expect({
      decision: result.decision.allowed ? 'allow' : 'deny',
      policies: result.decision.policyIds,
    }).toEqual({
      decision: c.expect,
      policies: [...c.policies].sort(),
    });
  });
});

describe('the policy set', () => {
  it('has every policy decide at least one test case, so every permit and forbid is covered', () => {
    const deciding = new Set(files.flatMap((f) => f.cases.flatMap((c) => c.policies)));
    const untested = Object.keys(engine.policies).filter((id) => !deciding.has(id));
    expect(untested).toEqual([]);
  });

  it('validates against the schema in strict mode, and a policy that breaks it is refused at load', async () => {
    const sources = readPolicySources();
    const broken = {
      ...sources,
      files: {
        ...sources.files,
        'broken.cedar':
          '@id("typo") permit (principal, action == Yitong::Action::"login", resource) when { resource.zoen == "public" };',
      },
    };
    await expect(PolicyEngine.load(broken)).rejects.toThrow(PolicyLoadError);
    await expect(PolicyEngine.load(broken)).rejects.toThrow(/zoen/);
  });

  it('refuses a policy without an @id, so every decision can name its policies', async () => {
    const sources = readPolicySources();
    const anonymous = { ...sources, files: { 'x.cedar': 'permit (principal, action, resource);' } };
    await expect(PolicyEngine.load(anonymous)).rejects.toThrow(/@id/);
  });

  it('denies by default when no policy permits', () => {
    const c = files.flatMap((f) => f.cases).find((x) => x.expect === 'deny' && x.policies.length === 0);
    expect(c).toBeDefined();
    const result = runPolicyCase(engine, fixtures, c!);
    expect(result.decision).toMatchObject({ allowed: false, forbidden: false, policyIds: [] });
    expect(result.explanation).toMatch(/default deny/);
  });
});

describe('the identity level a client requires is a step-up, not a refusal', () => {
  const loginCase = (
    principal: string,
    resource: string,
    zone: 'public' | 'extranet' = 'public',
  ): PolicyCase => ({
    name: `${principal} at ${resource}`,
    principal,
    action: 'login',
    resource,
    context: { zone, loa: 1, scopes: [] },
    expect: 'deny',
    policies: [],
  });

  it('names the identity level that would let a self-asserted person in, so sign-in asks for the proof', () => {
    const request = caseRequest(fixtures, loginCase('citizen', 'public-site-ial2'));
    expect(engine.decide(request).allowed).toBe(false);
    expect(engine.lowestAllowingLoa(request)).toBeUndefined();
    expect(engine.lowestAllowing(request)).toEqual({ ial: 2, loa: 1 });
  });

  it('names both levels when the client requires a second factor and an identity verified in person', () => {
    const request = caseRequest(fixtures, loginCase('proved-citizen', 'public-site-ial3-loa2'));
    expect(engine.lowestAllowing(request)).toEqual({ ial: 3, loa: 2 });
  });

  it('still refuses when no proof and no level would help (the wrong zone)', () => {
    const request = caseRequest(fixtures, loginCase('citizen', 'public-site-ial2', 'extranet'));
    expect(engine.lowestAllowing(request)).toBeUndefined();
  });
});

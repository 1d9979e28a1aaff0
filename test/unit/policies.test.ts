import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyLoadError } from '../../libs/policy/engine.ts';
import { loadPolicyTests, PolicyEngine, readPolicySources, runPolicyCase } from '../../libs/policy/index.ts';

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

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The rules `npm run lint:layers` enforces, loaded as the CLI loads them.
const configFile = pathToFileURL(resolve('.dependency-cruiser.mjs')).href;
const { default: config } = (await import(configFile)) as { default: IConfiguration };

const cruised = async (baseDir: string, paths: readonly string[]) => {
  const { output } = await cruise([...paths], {
    ...config.options,
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
  });
  const result = output as ICruiseResult;
  return {
    arrows: result.modules.flatMap((m) => m.dependencies.map((d) => `${m.source} → ${d.resolved}`)),
    violations: result.summary.violations.map((v) => ({
      rule: v.rule.name,
      severity: v.rule.severity,
      arrow: `${v.from} → ${v.to}`,
    })),
  };
};

// A tiny repository whose files import one another along these arrows.
const REVERSED: ReadonlyArray<readonly [rule: string, from: string, to: string]> = [
  // A cycle is reported once, at the edge where it is first seen; the fixture adds the way back.
  ['no-import-cycles', 'libs/audit/chain.ts', 'libs/audit/log.ts'],
  ['functions-are-independent', 'functions/account/app.ts', 'functions/admin/app.ts'],
  ['libs-are-below-the-rest', 'libs/audit/log.ts', 'functions/audit/app.ts'],
  ['libs-are-below-the-rest', 'libs/store/table.ts', 'test/support/tables.ts'],
  ['config-is-below-every-lib', 'libs/config/index.ts', 'libs/audit/index.ts'],
  ['errors-are-below-every-lib', 'libs/errors/errors.ts', 'libs/observability/index.ts'],
  ['the-domain-knows-no-edge', 'libs/accounts/errors.ts', 'libs/http/index.ts'],
  ['the-http-kit-renders-no-page', 'libs/http/negotiate.ts', 'libs/web/index.ts'],
  ['policy-decides-and-renders-nothing', 'libs/policy/access.ts', 'libs/web/index.ts'],
  ['policy-decides-and-renders-nothing', 'libs/policy/engine.ts', 'libs/oidc/index.ts'],
  ['policy-decides-and-renders-nothing', 'libs/policy/zone-trust.ts', 'libs/runtime/index.ts'],
  ['the-runtime-composes-from-above', 'libs/portal/portal.ts', 'libs/runtime/index.ts'],
  ['only-the-oidc-function-runs-the-provider', 'functions/account/app.ts', 'libs/issuer/index.ts'],
  ['only-the-oidc-function-runs-the-provider', 'libs/portal/portal.ts', 'libs/issuer/index.ts'],
  ['twin-and-bench-need-no-example-or-test', 'infra/local/stack.ts', 'examples/department-site/site.ts'],
  ['twin-and-bench-need-no-example-or-test', 'bench/run.ts', 'test/support/fuzz.ts'],
  ['packages-stand-alone', 'packages/access/src/index.ts', 'libs/store/index.ts'],
  ['packages-stand-alone', 'packages/access/src/index.ts', 'packages/licence-verifier/src/node.ts'],
  [
    'package-imports-go-through-its-entry',
    'libs/licences/verify.ts',
    'packages/licence-verifier/src/status.ts',
  ],
  ['examples-use-packages-by-name', 'examples/verifier/main.ts', 'packages/licence-verifier/src/node.ts'],
  ['lib-imports-go-through-its-index', 'infra/routes.ts', 'libs/oidc/first-party.ts'],
  ['lib-imports-of-another-lib-go-through-its-index', 'libs/issuer/provider.ts', 'libs/http/problem.ts'],
];
const ALLOWED: ReadonlyArray<readonly [from: string, to: string]> = [
  ['libs/audit/log.ts', 'libs/audit/chain.ts'],
  ['functions/account/app.ts', 'libs/accounts/index.ts'],
  ['libs/audit/log.ts', 'libs/config/index.ts'],
  ['libs/accounts/errors.ts', 'libs/errors/index.ts'],
  ['libs/http/problem.ts', 'libs/errors/index.ts'],
  ['libs/oidc/client-registration.ts', 'libs/oidc/registry.ts'],
  ['libs/issuer/provider.ts', 'libs/policy/index.ts'],
  ['functions/oidc/app.ts', 'libs/issuer/index.ts'],
  ['infra/local/stack.ts', 'functions/audit-jobs/app.ts'],
  ['bench/run.ts', 'testkit/stack.ts'],
  ['examples/department-site/site.ts', 'infra/local/loopback.ts'],
  ['test/e2e/login.test.ts', 'examples/department-site/site.ts'],
  ['test/unit/rules.test.ts', 'libs/oidc/client-rules.ts'],
  ['libs/licences/index.ts', 'packages/licence-verifier/src/node.ts'],
  ['libs/policy/index.ts', 'packages/access/src/index.ts'],
  ['test/unit/verifier.test.ts', 'packages/licence-verifier/src/status.ts'],
];
const FOLDERS = ['packages', 'functions', 'libs', 'infra', 'bench', 'examples', 'testkit', 'test'];

let fixture: string;
let fixtureResult: Awaited<ReturnType<typeof cruised>>;

beforeAll(async () => {
  fixture = await mkdtemp(join(tmpdir(), 'yitong-layers-'));
  const files = new Map<string, string[]>();
  for (const [from, to] of [...REVERSED.map(([, from, to]) => [from, to] as const), ...ALLOWED]) {
    files.set(from, [...(files.get(from) ?? []), to]);
    if (!files.has(to)) files.set(to, []);
  }
  for (const [file, imports] of files) {
    await mkdir(join(fixture, dirname(file)), { recursive: true });
    const lines = imports.map((to) => `import './${relative(join('/', dirname(file)), join('/', to))}';`);
    await writeFile(join(fixture, file), `${lines.join('\n')}\nexport const here = '${file}';\n`);
  }
  fixtureResult = await cruised(fixture, FOLDERS);
});
afterAll(async () => {
  await rm(fixture, { recursive: true, force: true });
});

describe('layer lint', () => {
  it.each(REVERSED)('%s catches %s importing %s', async (rule, from, to) => {
    expect(fixtureResult.violations).toContainEqual(
      expect.objectContaining({ rule, arrow: `${from} → ${to}` }),
    );
  });

  it.each(ALLOWED)('lets %s import %s', async (from, to) => {
    expect(fixtureResult.arrows).toContain(`${from} → ${to}`);
    expect(fixtureResult.violations.map((v) => v.arrow)).not.toContain(`${from} → ${to}`);
  });

  it('finds no reversed arrow in the repository', async () => {
    const { violations } = await cruised(process.cwd(), [
      'packages',
      'libs',
      'functions',
      'infra',
      'cli',
      'bench',
      'examples',
      'testkit',
      'test',
    ]);
    expect(violations).toEqual([]);
  }, 30_000);
});

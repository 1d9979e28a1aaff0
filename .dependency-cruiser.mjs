/**
 * The layers, enforced: `npm run lint:layers` (part of `npm test`) fails on any import that runs
 * against these arrows. docs/architecture.md ("Layers") says what they are and why.
 *
 *   functions → libs;  infra, cli → functions, libs;  bench, testkit → infra, libs;
 *   examples → infra/local;  test → anything;  packages (published) → nothing of the repository.  Within libs, config and errors sit below every other
 *   lib; the domain libs sit below the edge (http, web, portal, runtime, issuer); http below pages.
 */

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-import-cycles',
      comment:
        'A cycle of runtime imports makes load order decide what is undefined at start-up; two files ' +
        'that need each other are one module or share a third. Types may refer back (they vanish).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'functions-are-independent',
      comment:
        'A function never imports another: each is deployed, scaled and granted IAM on its own, ' +
        'so what two share belongs in libs/.',
      severity: 'error',
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/', pathNot: '^functions/$1/' },
    },
    {
      name: 'libs-are-below-the-rest',
      comment:
        'libs/ is the domain the functions, the stack, the CLI and the bench are built on; it knows ' +
        'none of them, nor any example or test.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(functions|infra|cli|bench|examples|test|testkit)/' },
    },
    {
      name: 'config-is-below-every-lib',
      comment:
        'Every lib reads its settings from libs/config, parsed once at cold start; if config imported ' +
        'a lib, that lib could not use config without a cycle.',
      severity: 'error',
      from: { path: '^libs/config/' },
      to: { path: '^libs/', pathNot: '^libs/config/' },
    },
    {
      name: 'errors-are-below-every-lib',
      comment:
        "libs/errors is the domain's vocabulary of failures (not found, conflict, forbidden…) that every " +
        'lib throws and libs/http maps to RFC 9457; if it imported a lib, that lib could not throw them ' +
        'without a cycle.',
      severity: 'error',
      from: { path: '^libs/errors/' },
      to: { path: '^libs/', pathNot: '^libs/errors/' },
    },
    {
      name: 'the-domain-knows-no-edge',
      comment:
        'The domain libs (accounts, audit, departments, licences, policy, oidc clients, keys, the store, ' +
        'config) say what is true and what failed; how that becomes a response, a page, a portal, a ' +
        'composed function or the OIDC provider is the edge above them. A domain lib that imported the ' +
        'edge would drag HTTP and pages into every caller and could not be tested or reused without them.',
      severity: 'error',
      from: { path: '^libs/(accounts|audit|departments|identity|licences|policy|oidc|keys|store|config)/' },
      to: { path: '^libs/(http|web|portal|runtime|issuer)/' },
    },
    {
      name: 'the-http-kit-renders-no-page',
      comment:
        'libs/http turns requests into calls and errors into RFC 9457 responses; pages come from ' +
        'libs/web and libs/portal and are handed to it (an ErrorPageRenderer), and libs/runtime composes ' +
        'it with the rest, so it imports none of them and an API-only function carries no page code.',
      severity: 'error',
      from: { path: '^libs/http/' },
      to: { path: '^libs/(web|portal|runtime)/' },
    },
    {
      name: 'policy-decides-and-renders-nothing',
      comment:
        'libs/policy answers allow or deny from the facts it is given: it renders no page, signs no ' +
        'one in and reads no account or client itself, so any function can ask it and it can be tested ' +
        'alone. Pages live in libs/web, libs/portal and next to each function, accounts in libs/accounts, clients ' +
        'in libs/oidc, and what composes them with policy in libs/runtime.',
      severity: 'error',
      from: { path: '^libs/policy/' },
      to: { path: '^libs/(web|portal|oidc|issuer|accounts|runtime)/' },
    },
    {
      name: 'the-runtime-composes-from-above',
      comment:
        'libs/runtime builds a function out of the other libs (clients, keys, audit, accounts, access ' +
        'control, the own-API handler); a lib that needed the runtime would need all of them.',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/runtime/' },
      to: { path: '^libs/runtime/' },
    },
    {
      name: 'only-the-oidc-function-runs-the-provider',
      comment:
        'libs/issuer configures oidc-provider, the largest dependency yitong has; only the oidc ' +
        'function serves it, and every other bundle stays small (test/infra/bundle.test.ts).',
      severity: 'error',
      from: {
        path: '^(libs|functions|infra|cli|bench|examples|testkit)/',
        pathNot: '^(libs/issuer|functions/oidc)/',
      },
      to: { path: '^libs/issuer/' },
    },
    {
      name: 'twin-and-bench-need-no-example-or-test',
      comment:
        'The local twin (infra/local), the benchmarks and the kit they share (testkit/) run without ' +
        'the examples and the tests: what they need from each other lives in testkit/, and the demo ' +
        'sites are handed to the local stack by `yitong start`.',
      severity: 'error',
      from: { path: '^(infra/local|bench|testkit)/' },
      to: { path: '^(examples|test)/' },
    },
    {
      name: 'packages-stand-alone',
      comment:
        'packages/ are published to npm (@yitong/access, @yitong/licence-verifier) and installed by ' +
        'departments and verifiers: what they import must ship with them, so they import nothing of ' +
        'the repository and no other package by path. yitong uses them (libs re-export them), never ' +
        'the other way round.',
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      to: {
        path: '^(libs|functions|infra|cli|bench|examples|test|testkit|packages)/',
        pathNot: '^packages/$1/',
      },
    },
    {
      name: 'package-imports-go-through-its-entry',
      comment:
        "A package's entries (src/index.ts, node.ts, web.ts, dynamodb.ts) are its published exports: " +
        'yitong imports those and nothing behind them, so whatever it uses, an outside project can too.',
      severity: 'error',
      from: { pathNot: '^(packages|test)/' },
      to: { path: '^packages/[^/]+/', pathNot: '^packages/[^/]+/src/(index|node|web|dynamodb)[.]ts$' },
    },
    {
      name: 'examples-use-packages-by-name',
      comment:
        'An example is what a department or verifier writes: it imports @yitong/* by package name, ' +
        'through node_modules and the built exports, never the sources by path.',
      severity: 'error',
      from: { path: '^examples/' },
      to: { path: '^packages/[^/]+/src/' },
    },
    {
      name: 'lib-imports-go-through-its-index',
      comment:
        "A lib's index.ts is its public surface: outside the lib, import from it, so the files behind " +
        'it can be split or renamed freely. Tests may reach in to test a module on its own.',
      severity: 'error',
      from: { pathNot: '^(libs|test)/' },
      to: { path: '^libs/[^/]+/', pathNot: '^libs/[^/]+/index[.]ts$' },
    },
    {
      name: 'lib-imports-of-another-lib-go-through-its-index',
      comment: 'The same rule between libs: a lib uses another through its index.ts.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: '^libs/($1/|[^/]+/index[.]ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk[.]out|dist|[.]yitong|packages/[^/]+/dist)/' },
    // Type-only imports are arrows too: a type from a higher layer ties the two together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

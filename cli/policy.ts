import { type Command, InvalidArgumentError } from 'commander';
import { AccountStore, ialOf } from '../libs/accounts/index.ts';
import { ZONES, type Zone } from '../libs/config/index.ts';
import { getClient } from '../libs/oidc/index.ts';
import {
  type AccessRequest,
  type Action,
  type CedarEntity,
  type CedarUid,
  caseRequest,
  clientEntities,
  explain,
  licenceTypeEntities,
  loadPolicyTests,
  PolicyEngine,
  requestContext,
  routeEntities,
  runPolicyCase,
  uniqueEntities,
  userEntities,
} from '../libs/policy/index.ts';
import { createDynamoClient } from '../libs/store/index.ts';
import { target } from './accounts.ts';

const ACTIONS: readonly Action[] = ['login', 'callApi', 'issueLicence', 'changeLicenceStatus'];

type Resolved = { uid: CedarUid; entities: CedarEntity[] };

/** The areas of yitong's own APIs and the zones each belongs to; anything else is a department API. */
const OWN_AREAS: Record<string, { area: 'audit' | 'admin' | 'licences'; zones: Zone[] }> = {
  audit: { area: 'audit', zones: ['intranet'] },
  admin: { area: 'admin', zones: ['intranet'] },
  licences: { area: 'licences', zones: ['extranet', 'intranet'] },
};

interface ExplainOptions {
  principal: string;
  action: Action;
  resource: string;
  zone: Zone;
  loa: number;
  scopes: string[];
  dataDir: string;
  endpoint?: string;
  tablePrefix?: string;
}

/**
 * Principals and resources: `user:<login name>` and `client:<client id>` from the store of a
 * running stack, `route:<METHOD /path>`, `licence-type:<vct>@<department>`, `anonymous`, or
 * any name from policies/tests/fixtures.json (no store needed).
 */
const resolver = (opts: ExplainOptions) => {
  const { fixtures } = loadPolicyTests();
  let store: Promise<{ doc: ReturnType<typeof createDynamoClient>; identity: string }> | undefined;
  const connect = () => {
    store ??= target(opts).then((where) => ({
      doc: createDynamoClient({ endpoint: where.dynamodbEndpoint }),
      identity: where.tables.identity,
    }));
    return store;
  };
  const fromFixture = (name: string, role: 'principal' | 'resource'): Resolved | undefined => {
    const table = role === 'principal' ? fixtures.principals : fixtures.resources;
    if (!table[name]) return undefined;
    const probe = caseRequest(fixtures, {
      name,
      principal: role === 'principal' ? name : Object.keys(fixtures.principals)[0]!,
      resource: role === 'resource' ? name : Object.keys(fixtures.resources)[0]!,
      action: 'login',
      context: { zone: 'public', loa: 1, scopes: [] },
      expect: 'deny',
      policies: [],
    });
    const uid = role === 'principal' ? probe.principal : probe.resource;
    return { uid, entities: [...probe.entities] };
  };
  const resolve = async (spec: string, role: 'principal' | 'resource'): Promise<Resolved> => {
    const [kind, ...rest] = spec.split(':');
    const value = rest.join(':');
    if (spec === 'anonymous') {
      return {
        uid: { type: 'Yitong::Anonymous', id: 'anonymous' },
        entities: [{ uid: { type: 'Yitong::Anonymous', id: 'anonymous' }, attrs: {}, parents: [] }],
      };
    }
    if (kind === 'user' && value) {
      const { doc, identity } = await connect();
      const account = await new AccountStore(doc, identity).findByLoginName(value);
      if (!account) throw new InvalidArgumentError(`there is no account ${value}`);
      const entities = userEntities({ ...account, ial: ialOf(account) });
      return { uid: entities[0]!.uid as CedarUid, entities };
    }
    if (kind === 'client' && value) {
      const { doc, identity } = await connect();
      const client = await getClient(doc, identity, value);
      if (!client) throw new InvalidArgumentError(`there is no client ${value}`);
      const entities = clientEntities({ ...client, yitong_disabled: client.yitong_disabled === true });
      return { uid: entities[0]!.uid as CedarUid, entities };
    }
    if (kind === 'route' && value) {
      const match = /^([A-Z]+) (\/\S*)$/.exec(value);
      if (!match) throw new InvalidArgumentError('a route is "METHOD /path", e.g. "route:GET /audit/verify"');
      const own = OWN_AREAS[match[2]!.split('/')[1] ?? ''];
      const entities = routeEntities({
        id: value,
        area: own?.area ?? 'department-api',
        zones: own?.zones ?? [opts.zone],
      });
      return { uid: entities[0]!.uid as CedarUid, entities };
    }
    if (kind === 'licence-type' && value.includes('@')) {
      const at = value.lastIndexOf('@');
      const entities = licenceTypeEntities(value.slice(0, at), value.slice(at + 1));
      return { uid: entities[0]!.uid as CedarUid, entities };
    }
    const fixture = fromFixture(spec, role);
    if (fixture) return fixture;
    throw new InvalidArgumentError(
      `unknown ${role} ${spec}: use user:<login>, client:<id>, route:<METHOD /path>, licence-type:<vct>@<department>, anonymous, or a name from policies/tests/fixtures.json`,
    );
  };
  return {
    resolve,
    close: async () => {
      if (store) (await store).doc.destroy();
    },
  };
};

/** `yitong policy …`: what a security officer reads, tests and asks of the policies. */
export const policyCommand = (program: Command): void => {
  const policy = program
    .command('policy')
    .description('Read, test and question the Cedar policies in policies/');

  policy
    .command('explain')
    .description('Decide one request and print the decision with the policies that made it')
    .requiredOption('--principal <who>', 'user:<login>, client:<id>, anonymous, or a fixture name')
    .requiredOption('--action <action>', ACTIONS.join(' | '), (v) => {
      if (!ACTIONS.includes(v as Action)) throw new InvalidArgumentError(`one of ${ACTIONS.join(', ')}`);
      return v as Action;
    })
    .requiredOption(
      '--resource <what>',
      'client:<id>, route:<METHOD /path>, licence-type:<vct>@<dept>, or a fixture name',
    )
    .requiredOption('--zone <zone>', ZONES.join(' | '), (v) => {
      if (!ZONES.includes(v as Zone)) throw new InvalidArgumentError(`one of ${ZONES.join(', ')}`);
      return v as Zone;
    })
    .option(
      '--loa <level>',
      'level of assurance of the session or token, 0-3',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 3) throw new InvalidArgumentError('a level is 0, 1, 2 or 3');
        return n;
      },
      1,
    )
    .option(
      '--scopes <scopes>',
      'comma-separated token scopes',
      (v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      [],
    )
    .option('--data-dir <dir>', 'data folder of the running local stack (for user: and client:)', '.yitong')
    .option('--endpoint <url>', 'DynamoDB endpoint (default: AWS, or the local stack)')
    .option('--table-prefix <prefix>', 'table name prefix of a deployed stack')
    .action(async (opts: ExplainOptions) => {
      const names = resolver(opts);
      try {
        const [principal, resource] = [
          await names.resolve(opts.principal, 'principal'),
          await names.resolve(opts.resource, 'resource'),
        ];
        const engine = await PolicyEngine.load();
        const request: AccessRequest = {
          principal: principal.uid,
          action: opts.action,
          resource: resource.uid,
          context: requestContext(opts.zone, {
            acr: opts.loa > 0 ? `urn:yitong:loa:${opts.loa}` : undefined,
            scopes: opts.scopes,
          }),
          entities: uniqueEntities(principal.entities, resource.entities),
        };
        const decision = engine.decide(request);
        const lines = [explain(request, decision)];
        if (!decision.allowed) {
          const lowest = engine.lowestAllowingLoa(request);
          if (lowest !== undefined && lowest > opts.loa)
            lines.push(`  would be allowed at loa ${lowest} (step-up)`);
          // Below a client's identity level: sign-in asks the person to prove their identity.
          const proved = lowest === undefined ? engine.lowestAllowing(request) : undefined;
          if (proved)
            lines.push(
              `  would be allowed once the identity is proved to ial ${proved.ial}, at loa ${proved.loa}`,
            );
        }
        for (const id of decision.policyIds)
          lines.push('', `  ${engine.policies[id]!.trim().replaceAll('\n', '\n  ')}`);
        for (const error of decision.errors) lines.push(`  error: ${error}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await names.close();
      }
    });

  policy
    .command('test')
    .description('Run the policy tests in policies/tests (request → expected decision and deciding policies)')
    .action(async () => {
      const engine = await PolicyEngine.load();
      const { fixtures, files } = loadPolicyTests();
      let failed = 0;
      let passed = 0;
      for (const file of files) {
        process.stdout.write(`${file.file}: ${file.description}\n`);
        for (const c of file.cases) {
          const result = runPolicyCase(engine, fixtures, c);
          if (result.passed) passed += 1;
          else failed += 1;
          process.stdout.write(`  ${result.passed ? 'ok  ' : 'FAIL'} ${c.name}\n`);
          if (!result.passed) {
            process.stdout.write(
              `       expected ${c.expect} by [${c.policies.join(', ')}]; got ${result.explanation}\n`,
            );
          }
        }
      }
      process.stdout.write(`${passed} passed, ${failed} failed\n`);
      if (failed) throw new Error(`${failed} policy test(s) failed`);
    });
};

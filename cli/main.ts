import { Command, InvalidArgumentError } from 'commander';
import { startLocalDemo } from '../examples/department-site/local-demo.ts';
import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../infra/local/registry-twin.ts';
import { DEFAULT_PORTS } from '../infra/local/stack.ts';
import { ZONES } from '../libs/config/index.ts';
import { accountsCommand } from './accounts.ts';
import { adminCommands } from './admin.ts';
import { auditCommand } from './audit.ts';
import { licencesCommand } from './licences.ts';
import { policyCommand } from './policy.ts';

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number 0-65535');
  return n;
};

/** The demo sites' three ports, `tax,housing,staff` (e.g. `4100,4101,4102`). */
const sitePorts = (value: string): { tax: number; housing: number; staff: number } => {
  const ports = value.split(',').map((p) => p.trim());
  if (ports.length !== 3)
    throw new InvalidArgumentError('three ports: tax,housing,staff (e.g. 4100,4101,4102)');
  const [tax, housing, staff] = ports.map(port) as [number, number, number];
  return { tax, housing, staff };
};

/** The `yitong` command. Later capabilities add their own subcommands here. */
export const buildCli = (options: { readonly throwOnError?: boolean } = {}): Command => {
  const program = new Command('yitong')
    .description(
      'yitong (一通): one login, signed licences, zone policies and a tamper-evident audit trail for government',
    )
    .showHelpAfterError();
  // Tests (and embedders) get errors thrown rather than the process exiting.
  if (options.throwOnError) program.exitOverride().configureOutput({ writeErr: () => undefined });

  program
    .command('start')
    .description(
      'Run the whole system on this machine: the embedded DynamoDB-compatible store, the three zones ' +
        '(public, extranet, intranet) on loopback, and dev keys. Data is kept in --data-dir between runs.',
    )
    .option('--data-dir <dir>', 'folder for the store, dev keys and secrets', '.yitong')
    .option('--memory', 'throwaway run: nothing is kept after it stops', false)
    .option('--public-port <port>', 'public zone port', port, DEFAULT_PORTS.public)
    .option('--extranet-port <port>', 'extranet zone port', port, DEFAULT_PORTS.extranet)
    .option('--intranet-port <port>', 'intranet zone port', port, DEFAULT_PORTS.intranet)
    .option('--registry-port <port>', 'population and company registry twin port', port, 3200)
    .option(
      '--site-ports <tax,housing,staff>',
      'ports of the three demo department sites (to run two stacks side by side)',
      sitePorts,
      { tax: 3100, housing: 3101, staff: 3102 },
    )
    .addHelpText(
      'after',
      '\nSet DYNAMODB_ENDPOINT to use another DynamoDB-compatible endpoint instead of the embedded store.',
    )
    .action(
      async (opts: {
        dataDir: string;
        memory: boolean;
        publicPort: number;
        extranetPort: number;
        intranetPort: number;
        registryPort: number;
        sitePorts: { tax: number; housing: number; staff: number };
      }) => {
        const stack = await startLocalDemo({
          dataDir: opts.dataDir,
          memory: opts.memory,
          ports: { public: opts.publicPort, extranet: opts.extranetPort, intranet: opts.intranetPort },
          registryPort: opts.registryPort,
          demoSites: opts.sitePorts,
        });
        const lines = [
          '',
          'yitong is running (local mode: dev keys, plain HTTP on loopback)',
          '',
          ...ZONES.flatMap((zone) => [
            `  ${zone.padEnd(9)} ${stack.urls[zone]}`,
            `            ${stack.urls[zone]}/.well-known/openid-configuration`,
          ]),
          '',
          `  store     ${stack.dynamodbEndpoint} (${stack.dataDir ? `data in ${stack.dataDir}` : 'in memory'})`,
          `  registry  ${stack.registry.url} (population and company registry twin, docs/identity.md)`,
          '',
          'Demo department sites (single sign-on and single logout):',
          ...Object.values(stack.demo.sites).map(
            (s) => `  ${s.clientId.padEnd(13)} ${s.url}  (${s.zone} zone)`,
          ),
          '',
          `Account portal (licence wallet, who checked my licences, activity): ${stack.urls.public}/account`,
          `Security console (auditors, SSO + TOTP): ${stack.urls.intranet}/audit/console`,
          `Admin console (administrators, SSO + TOTP): ${stack.urls.intranet}/admin/console`,
          'Department guide: docs/departments.md (npx yitong login, then departments / clients / resource-servers)',
          '',
          'Demo machine clients (licence issuance, client credentials on the extranet):',
          ...stack.demo.machineClients.map((c) => `  ${c.clientId.padEnd(19)} secret ${c.secret}`),
          '',
          'Demo accounts (local mode only):',
          ...stack.demo.accounts.map(
            (a) =>
              `  ${a.loginName.padEnd(10)} ${a.password.padEnd(19)} ${a.description}${a.totpSecret ? `  TOTP secret ${a.totpSecret}` : ''}`,
          ),
          '',
          'Demo residents in the registry twin (prove an identity at /account/identity; local mode only):',
          ...DEMO_RESIDENTS.map(
            (r) =>
              `  ${r.name} ${r.nameEn.padEnd(10)} ${r.residentId}  phone ${r.phone}${r.loginName ? `  login ${r.loginName}` : ''}\n      ${r.note}`,
          ),
          '',
          'Demo companies (register one as its legal representative at /account/companies):',
          ...DEMO_COMPANIES.map(
            (c) =>
              `  ${c.uscc}  ${c.name} ${c.nameEn}${c.status === 'closed' ? ' (closed: registration is refused)' : ''}\n      legal representative ${DEMO_RESIDENTS.find((r) => r.residentId === c.legalRepresentative)?.name ?? ''}`,
          ),
          '',
          'Press Ctrl-C to stop.',
          '',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        let stopping = false;
        const shutdown = async () => {
          if (stopping) return;
          stopping = true;
          process.stdout.write('\nstopping…\n');
          await stack.stop();
          process.stdout.write('stopped\n');
          process.exit(0);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      },
    );

  accountsCommand(program);
  policyCommand(program);
  licencesCommand(program);
  auditCommand(program);
  adminCommands(program);
  return program;
};

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli/main.ts')) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`yitong: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import * as z from 'zod';
import {
  AccountStore,
  conflictingRoles,
  DisplayName,
  grantsPrivilegedRole,
  LoginLockout,
  LoginName,
  PRIVILEGED_ROLES,
  Role,
} from '../libs/accounts/index.ts';
import { DynamoAuditLog } from '../libs/audit/index.ts';
import { createDynamoClient } from '../libs/store/index.ts';

const Target = z.object({
  dynamodbEndpoint: z.string().optional(),
  tables: z.object({ identity: z.string(), licences: z.string(), audit: z.string() }),
  urls: z.object({ public: z.string(), extranet: z.string(), intranet: z.string() }).optional(),
});

/** The store to act on: a running local stack (its endpoint file), or explicit flags for a deployed one. */
export const target = async (opts: {
  dataDir: string;
  endpoint?: string;
  tablePrefix?: string;
}): Promise<z.infer<typeof Target>> => {
  if (opts.tablePrefix) {
    const p = opts.tablePrefix;
    return {
      dynamodbEndpoint: opts.endpoint,
      tables: { identity: `${p}-identity`, licences: `${p}-licences`, audit: `${p}-audit` },
    };
  }
  const file = join(resolve(opts.dataDir), 'endpoint.json');
  try {
    return Target.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    throw new Error(
      `no running local stack found (${file}): start one with \`npm start\` (a \`--memory\` run writes no such file: give its URLs with --issuer or --base-url where the command has them), or pass --table-prefix for a deployed stack`,
    );
  }
};

const parseWith =
  <T>(schema: z.ZodType<T>, what: string) =>
  (value: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(`${what}: ${parsed.error.issues[0]!.message}`);
    return parsed.data;
  };

/** Where a command acts: the running local stack (its data folder), or a deployed stack's tables. */
const withTarget = (command: Command): Command =>
  command
    .option('--data-dir <dir>', 'data folder of the running local stack', '.yitong')
    .option('--endpoint <url>', 'DynamoDB endpoint (default: AWS, or the local stack)')
    .option('--table-prefix <prefix>', 'table name prefix of a deployed stack');

/** `yitong accounts …`: what an administrator does from a terminal. */
export const accountsCommand = (program: Command): void => {
  const accounts = program
    .command('accounts')
    .description('Manage accounts (staff accounts are created by administrators)');
  const create = accounts
    .command('create')
    .description(
      'Create an account with a one-time password (printed once). Staff accounts are only ever created this way ' +
        'or through the admin API; citizens and companies register themselves.',
    )
    .requiredOption('--login-name <name>', 'login name', parseWith(LoginName, 'login name'))
    .requiredOption('--display-name <name>', 'full name', parseWith(DisplayName, 'display name'))
    .option(
      '--kind <kind>',
      'staff, citizen or company',
      parseWith(z.enum(['staff', 'citizen', 'company']), 'kind'),
      'staff',
    )
    .option(
      '--roles <roles>',
      'comma-separated roles',
      parseWith(
        z
          .string()
          .transform((s) => s.split(',').map((r) => r.trim()))
          .pipe(z.array(Role).min(1)),
        'roles',
      ),
      ['staff'],
    )
    .option('--department <id>', "the staff member's department")
    .option('--email <address>', 'where account messages go', parseWith(z.email(), 'email'))
    .option(
      '--break-glass <reason>',
      `needed for ${PRIVILEGED_ROLES.join(' or ')}: creates it without a second administrator, audited as break-glass (say why)`,
      parseWith(
        z.string().trim().min(10, 'say why, in at least 10 characters').max(500),
        'break-glass reason',
      ),
    );
  withTarget(create).action(async (opts) => {
    // Granting admin or auditor takes two administrators through the admin API; this command
    // writes the store directly with the operator's AWS credentials, so it is the break-glass
    // path: refused without a stated reason, and audited as such.
    const privileged = grantsPrivilegedRole([], opts.roles);
    const both = conflictingRoles(opts.roles);
    if (both) throw new InvalidArgumentError(`roles: ${both.join(' and ')} are never held together`);
    if (privileged && !opts.breakGlass)
      throw new InvalidArgumentError(
        `roles: ${PRIVILEGED_ROLES.join(' and ')} take two administrators (yitong staff create, then yitong staff approve by another); ` +
          'only in an emergency, add --break-glass "<why>"',
      );
    const where = await target(opts);
    const doc = createDynamoClient({ endpoint: where.dynamodbEndpoint });
    const password = randomBytes(12).toString('base64url');
    const account = await new AccountStore(doc, where.tables.identity).create({
      kind: opts.kind,
      loginName: opts.loginName,
      displayName: opts.displayName,
      password,
      roles: opts.roles,
      department: opts.department,
      email: opts.email,
      identityAssurance: opts.kind === 'staff' ? 'verified' : 'self-asserted',
      oneTimePassword: true,
    });
    const actor = `cli:${userInfo().username}`;
    await new DynamoAuditLog(doc, where.tables.audit).append(
      privileged
        ? {
            type: 'account.break_glass',
            outcome: 'success',
            zone: 'intranet',
            actor,
            subject: account.id,
            reason: opts.breakGlass,
            details: {
              kind: account.kind,
              roles: account.roles,
              awsProfile: process.env.AWS_PROFILE ?? null,
            },
          }
        : {
            type: 'account.created',
            outcome: 'success',
            zone: 'intranet',
            actor,
            subject: account.id,
            details: { kind: account.kind, roles: account.roles },
          },
    );
    process.stdout.write(
      `created ${account.kind} account ${account.loginName} (${account.id})\none-time password: ${password}\n` +
        'Give it to the person through a separate channel; at the first sign-in they must choose a new password' +
        `${account.kind === 'staff' ? ' and set up a second factor' : ''} before anything else.\n` +
        (privileged
          ? 'This was a break-glass grant: it is in the audit trail as account.break_glass.\n'
          : ''),
    );
    doc.destroy();
  });
  const unlock = accounts
    .command('unlock')
    .description(
      'End every sign-in wait and lock of a login name (the administrator’s recovery path for someone locked ' +
        'out by failed attempts, from their own address or from everywhere). Audited as account.unlocked.',
    )
    .requiredOption('--login-name <name>', 'login name', parseWith(LoginName, 'login name'))
    .requiredOption('--reason <text>', 'why (kept in the audit trail), e.g. the help-desk ticket');
  withTarget(unlock).action(async (opts) => {
    const where = await target(opts);
    const doc = createDynamoClient({ endpoint: where.dynamodbEndpoint });
    const account = await new AccountStore(doc, where.tables.identity).findByLoginName(opts.loginName);
    if (!account) {
      doc.destroy();
      throw new InvalidArgumentError(`login name: no account is called ${opts.loginName}`);
    }
    await new LoginLockout(doc, where.tables.identity).clear(account.loginName);
    await new DynamoAuditLog(doc, where.tables.audit).append({
      type: 'account.unlocked',
      outcome: 'success',
      zone: 'intranet',
      actor: `cli:${userInfo().username}`,
      subject: account.id,
      reason: String(opts.reason).slice(0, 1024),
    });
    process.stdout.write(`unlocked ${account.loginName} (${account.id}): every source may sign in again\n`);
    doc.destroy();
  });
  const indexEmails = accounts
    .command('index-emails')
    .description(
      'Write the e-mail lookup (used by the security console to find accounts by address) for accounts ' +
        'stored before it existed, and remove lookup items no account matches. Run once after upgrading; ' +
        'running it again changes nothing.',
    );
  withTarget(indexEmails).action(async (opts) => {
    const where = await target(opts);
    const doc = createDynamoClient({ endpoint: where.dynamodbEndpoint });
    try {
      const report = await new AccountStore(doc, where.tables.identity).indexEmails();
      process.stdout.write(
        `read ${report.accounts} accounts: ${report.written} e-mail lookup items written, ${report.removed} stale ones removed\n`,
      );
    } finally {
      doc.destroy();
    }
  });
};

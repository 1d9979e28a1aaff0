import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import * as oidc from 'openid-client';
import { target } from './accounts.ts';

/** Where `yitong login` keeps tokens: one entry per issuer. */
const credentialsFile = () =>
  join(process.env.YITONG_CONFIG_DIR ?? join(homedir(), '.config', 'yitong'), 'credentials.json');

interface Saved {
  access_token: string;
  refresh_token?: string;
  expires_at: number;
}

const readSaved = async (): Promise<Record<string, Saved>> => {
  try {
    return JSON.parse(await readFile(credentialsFile(), 'utf8')) as Record<string, Saved>;
  } catch {
    return {};
  }
};
const save = async (issuer: string, tokens: oidc.TokenEndpointResponse) => {
  const all = await readSaved();
  all[issuer] = {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: Math.floor(Date.now() / 1000) + (tokens.expires_in ?? 600),
  };
  const file = credentialsFile();
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(all, null, 2), { mode: 0o600 });
};

interface Target {
  issuer?: string;
  dataDir: string;
}

/** The intranet issuer to talk to: --issuer, YITONG_ISSUER, or the running local stack's. */
const issuerOf = async (opts: Target): Promise<string> => {
  const explicit = opts.issuer ?? process.env.YITONG_ISSUER;
  if (explicit) return explicit.replace(/\/$/, '');
  const local = await target({ dataDir: opts.dataDir });
  if (!local.urls) throw new Error('no issuer: pass --issuer <intranet issuer URL>');
  return local.urls.intranet;
};

const discover = (issuer: string) =>
  oidc.discovery(new URL(issuer), 'yitong-cli', undefined, oidc.None(), {
    execute: new URL(issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
  });

/** A valid admin API token for the issuer: the saved one, refreshed when it has expired. */
const tokenFor = async (issuer: string): Promise<string> => {
  const saved = (await readSaved())[issuer];
  if (!saved) throw new Error(`not signed in to ${issuer}: run \`yitong login --issuer ${issuer}\``);
  if (saved.expires_at > Math.floor(Date.now() / 1000) + 30) return saved.access_token;
  if (!saved.refresh_token)
    throw new Error(`your sign-in to ${issuer} has expired: run \`yitong login\` again`);
  const tokens = await oidc.refreshTokenGrant(await discover(issuer), saved.refresh_token, {
    resource: `${issuer}/admin`,
  });
  await save(issuer, tokens);
  return tokens.access_token;
};

/** One call of the admin API; a refusal becomes an error that says what the API said. */
export const adminCall = async (
  opts: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> => {
  const issuer = await issuerOf(opts);
  const res = await fetch(`${issuer}/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await tokenFor(issuer)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    const params = Array.isArray(parsed['invalid-params'])
      ? ` (${(parsed['invalid-params'] as Array<{ name: string; reason: string }>).map((p) => `${p.name}: ${p.reason}`).join('; ')})`
      : '';
    throw new Error(`${res.status} ${String(parsed.detail ?? parsed.title ?? res.statusText)}${params}`);
  }
  return parsed;
};

const out = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const collect = (value: string, previous: string[] = []) => [...previous, value];
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
};

const withTarget = (command: Command) =>
  command
    .option('--issuer <url>', 'the intranet issuer (default: YITONG_ISSUER, or the running local stack)')
    .option('--data-dir <dir>', 'data folder of the running local stack', '.yitong');

interface ClientFlags {
  department?: string;
  zone?: string;
  name?: string;
  redirectUri?: string[];
  postLogoutUri?: string[];
  backchannelLogoutUri?: string;
  grantTypes?: string;
  authMethod?: string;
  jwksUri?: string;
  requiredAcr?: string;
  requiredIal?: string;
  scope?: string;
  par?: boolean;
  dpop?: boolean;
  acceptsCompanies?: boolean;
}

const clientBody = (flags: ClientFlags) =>
  Object.fromEntries(
    Object.entries({
      client_name: flags.name,
      department: flags.department,
      zone: flags.zone,
      redirect_uris: flags.redirectUri,
      post_logout_redirect_uris: flags.postLogoutUri,
      backchannel_logout_uri: flags.backchannelLogoutUri,
      grant_types: flags.grantTypes ? list(flags.grantTypes) : undefined,
      token_endpoint_auth_method: flags.authMethod,
      jwks_uri: flags.jwksUri,
      required_acr: flags.requiredAcr,
      required_ial: flags.requiredIal,
      scope: flags.scope,
      require_pushed_authorization_requests: flags.par,
      dpop_bound_access_tokens: flags.dpop,
      accepts_companies: flags.acceptsCompanies,
    }).filter(([, v]) => v !== undefined),
  );

const clientOptions = (command: Command) =>
  command
    .option('--name <name>', 'what people see on the sign-in and consent pages')
    .option('--department <id>', 'the department it belongs to')
    .option('--zone <zone>', 'public, extranet or intranet')
    .option('--redirect-uri <url>', 'a redirect URI (repeat for more)', collect)
    .option('--post-logout-uri <url>', 'where to send people after logout (repeat for more)', collect)
    .option('--backchannel-logout-uri <url>', 'where yitong posts logout tokens')
    .option('--grant-types <list>', 'authorization_code,refresh_token (default) or client_credentials')
    .option(
      '--auth-method <method>',
      'client_secret_basic (default), client_secret_post, private_key_jwt, or none (code flow only)',
    )
    .option('--jwks-uri <url>', "the client's public keys, for private_key_jwt")
    .option('--required-acr <acr>', 'urn:yitong:loa:2 to demand a second factor, :3 a passkey')
    .option(
      '--required-ial <ial>',
      'urn:yitong:ial:2 to demand an identity verified against the registry, :3 verified in person',
    )
    .option('--scope <scopes>', 'scopes it may ask for beyond openid, space separated')
    .option('--par', 'require pushed authorization requests')
    .option('--dpop', 'bind its access tokens to a DPoP key')
    .option('--accepts-companies', 'people may act for a company they represent at this site');

/** `yitong login`, `yitong departments …`, `yitong clients …`, `yitong companies show`, `yitong resource-servers …`: the admin API from a terminal. */
export const adminCommands = (program: Command): void => {
  withTarget(
    program
      .command('login')
      .description(
        'Sign in as an administrator (device code: open the link it prints, sign in with your second factor). ' +
          'The token is kept in ~/.config/yitong/credentials.json (YITONG_CONFIG_DIR to move it).',
      ),
  ).action(async (opts: Target) => {
    const issuer = await issuerOf(opts);
    const config = await discover(issuer);
    const resource = `${issuer}/admin`;
    const handle = await oidc.initiateDeviceAuthorization(config, {
      scope: 'openid offline_access admin',
      resource,
    });
    // The plain page and the code to type: it works without JavaScript, and typing the code is
    // what proves the person at the browser is the one at this terminal.
    process.stdout.write(`Open ${handle.verification_uri} and sign in with the code ${handle.user_code}\n`);
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, handle, { resource });
    await save(issuer, tokens);
    process.stdout.write(`Signed in to ${issuer}.\n`);
  });

  const departments = program.command('departments').description('Register and change departments');
  withTarget(departments.command('list').description('Every department')).action(async (opts: Target) =>
    out((await adminCall(opts, 'GET', '/departments')).departments),
  );
  withTarget(departments.command('show <id>').description('One department and its clients')).action(
    async (id: string, opts: Target) =>
      out(await adminCall(opts, 'GET', `/departments/${encodeURIComponent(id)}`)),
  );
  withTarget(
    departments
      .command('add')
      .description('Register a department')
      .requiredOption('--id <id>', 'short id, e.g. water')
      .requiredOption('--name <name>', 'its name (Chinese)')
      .option('--name-en <name>', 'its English name, shown on English pages (default: its Chinese name)')
      .requiredOption('--uscc <code>', 'its unified social credit code (18 characters)')
      .requiredOption('--zones <list>', 'zones its clients may use, e.g. public,extranet'),
  ).action(
    async (opts: Target & { id: string; name: string; nameEn?: string; uscc: string; zones: string }) =>
      out(
        await adminCall(opts, 'POST', '/departments', {
          departmentId: opts.id,
          name: opts.name,
          ...(opts.nameEn ? { nameEn: opts.nameEn } : {}),
          uscc: opts.uscc,
          zones: list(opts.zones),
        }),
      ),
  );
  withTarget(
    departments
      .command('update <id>')
      .description('Change a department’s name, zones or status')
      .option('--name <name>', 'its name (Chinese)')
      .option('--name-en <name>', 'its English name')
      .option('--zones <list>')
      .option('--status <status>', 'active or suspended'),
  ).action(
    async (id: string, opts: Target & { name?: string; nameEn?: string; zones?: string; status?: string }) =>
      out(
        await adminCall(opts, 'PATCH', `/departments/${encodeURIComponent(id)}`, {
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.nameEn ? { nameEn: opts.nameEn } : {}),
          ...(opts.zones ? { zones: list(opts.zones) } : {}),
          ...(opts.status ? { status: opts.status } : {}),
        }),
      ),
  );
  withTarget(
    departments
      .command('registration-token <id>')
      .description('Issue an initial access token for dynamic client registration (shown once)')
      .option('--zones <list>', 'zones it may register in (default: all of the department’s)')
      .option('--days <n>', 'days it stays valid', positiveInt, 7)
      .option('--uses <n>', 'how many clients it may register', positiveInt, 1),
  ).action(async (id: string, opts: Target & { zones?: string; days: number; uses: number }) =>
    out(
      await adminCall(opts, 'POST', `/departments/${encodeURIComponent(id)}/registration-tokens`, {
        expiresInDays: opts.days,
        uses: opts.uses,
        ...(opts.zones ? { zones: list(opts.zones) } : {}),
      }),
    ),
  );
  withTarget(
    departments
      .command('registration-tokens <id>')
      .description('A department’s initial access tokens: id, uses, expiry and status (never the token)'),
  ).action(async (id: string, opts: Target) =>
    out((await adminCall(opts, 'GET', `/departments/${encodeURIComponent(id)}/registration-tokens`)).tokens),
  );
  withTarget(
    departments
      .command('revoke-registration-token <id> <tokenId>')
      .description('Revoke an initial access token at once: registrations with it are refused')
      .requiredOption('--reason <why>', 'recorded in the audit trail'),
  ).action(async (id: string, tokenId: string, opts: Target & { reason: string }) =>
    out(
      await adminCall(
        opts,
        'PATCH',
        `/departments/${encodeURIComponent(id)}/registration-tokens/${encodeURIComponent(tokenId)}`,
        { revoked: true, reason: opts.reason },
      ),
    ),
  );

  const clients = program
    .command('clients')
    .description('Register and manage the sites and services that sign in with yitong');
  withTarget(
    clientOptions(clients.command('add').description('Register a client; its secret is shown once')),
  ).action(async (opts: Target & ClientFlags) => {
    const created = await adminCall(opts, 'POST', '/clients', clientBody(opts));
    out(created);
    if (created.client_secret)
      process.stderr.write(
        'Keep the client_secret now: it is not shown again (rotate-secret makes a new one).\n',
      );
  });
  withTarget(
    clients.command('list').description('A department’s clients').requiredOption('--department <id>'),
  ).action(async (opts: Target & { department: string }) =>
    out((await adminCall(opts, 'GET', `/clients?department=${encodeURIComponent(opts.department)}`)).clients),
  );
  withTarget(clients.command('show <clientId>').description('One client, without its secret')).action(
    async (clientId: string, opts: Target) =>
      out(await adminCall(opts, 'GET', `/clients/${encodeURIComponent(clientId)}`)),
  );
  withTarget(
    clientOptions(
      clients.command('update <clientId>').description('Change a client (unnamed options keep their value)'),
    ),
  ).action(async (clientId: string, opts: Target & ClientFlags) => {
    const current = await adminCall(opts, 'GET', `/clients/${encodeURIComponent(clientId)}`);
    const body = {
      client_name: current.client_name,
      department: current.yitong_department,
      zone: current.yitong_zone,
      redirect_uris: current.redirect_uris,
      post_logout_redirect_uris: current.post_logout_redirect_uris,
      ...(current.backchannel_logout_uri ? { backchannel_logout_uri: current.backchannel_logout_uri } : {}),
      grant_types: current.grant_types,
      token_endpoint_auth_method: current.token_endpoint_auth_method,
      ...(current.jwks_uri ? { jwks_uri: current.jwks_uri } : {}),
      ...(current.jwks ? { jwks: current.jwks } : {}),
      ...(current.yitong_required_acr ? { required_acr: current.yitong_required_acr } : {}),
      ...(current.yitong_required_ial ? { required_ial: current.yitong_required_ial } : {}),
      ...(current.scope ? { scope: current.scope } : {}),
      require_pushed_authorization_requests: current.require_pushed_authorization_requests === true,
      dpop_bound_access_tokens: current.dpop_bound_access_tokens === true,
      accepts_companies: current.yitong_accepts_companies === true,
      ...clientBody(opts),
    };
    out(await adminCall(opts, 'PUT', `/clients/${encodeURIComponent(clientId)}`, body));
  });
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    withTarget(
      clients
        .command(`${name} <clientId>`)
        .description(
          disabled ? 'Suspend a client: sign-ins to it stop at once' : 'Restore a suspended client',
        )
        .requiredOption('--reason <why>', 'recorded in the audit trail'),
    ).action(async (clientId: string, opts: Target & { reason: string }) =>
      out(
        await adminCall(opts, 'PATCH', `/clients/${encodeURIComponent(clientId)}`, {
          disabled,
          reason: opts.reason,
        }),
      ),
    );
  }
  for (const [name, field, what] of [
    ['grant', 'grant', 'Let a client obtain tokens for an API beyond its department’s own'],
    ['revoke', 'revoke', 'Withdraw an API from a client; its refresh tokens stop working for it at once'],
  ] as const) {
    withTarget(
      clients
        .command(`${name} <clientId>`)
        .description(what)
        .requiredOption(
          '--resource <api>',
          'admin, audit, licences, or a registered API’s audience (repeat for more)',
          collect,
        )
        .requiredOption('--reason <why>', 'who asked for it; recorded in the audit trail'),
    ).action(async (clientId: string, opts: Target & { resource: string[]; reason: string }) =>
      out(
        await adminCall(opts, 'POST', `/clients/${encodeURIComponent(clientId)}/resources`, {
          [field]: opts.resource,
          reason: opts.reason,
        }),
      ),
    );
  }
  withTarget(
    clients
      .command('rotate-secret <clientId>')
      .description('Give a client a new secret (shown once); the old one stops working')
      .requiredOption('--reason <why>', 'recorded in the audit trail'),
  ).action(async (clientId: string, opts: Target & { reason: string }) =>
    out(
      await adminCall(opts, 'POST', `/clients/${encodeURIComponent(clientId)}/secret`, {
        reason: opts.reason,
      }),
    ),
  );

  const staff = program
    .command('staff')
    .description(
      'Staff accounts and roles; admin and auditor take two administrators (one asks, another approves)',
    );
  withTarget(
    staff
      .command('create')
      .description(
        'Create a staff account with a one-time password (shown once); with admin or auditor, only a request another administrator approves',
      )
      .requiredOption('--login-name <name>')
      .requiredOption('--display-name <name>')
      .requiredOption('--roles <list>', 'e.g. staff,department-officer')
      .option('--department <id>')
      .option('--email <address>'),
  ).action(
    async (
      opts: Target & {
        loginName: string;
        displayName: string;
        roles: string;
        department?: string;
        email?: string;
      },
    ) =>
      out(
        await adminCall(opts, 'POST', '/staff', {
          loginName: opts.loginName,
          displayName: opts.displayName,
          roles: list(opts.roles),
          ...(opts.department ? { department: opts.department } : {}),
          ...(opts.email ? { email: opts.email } : {}),
        }),
      ),
  );
  withTarget(
    staff
      .command('update <accountId>')
      .description('Change roles, department or status; granting admin or auditor becomes a request')
      .requiredOption('--reason <why>', 'recorded in the audit trail')
      .option('--roles <list>')
      .option('--department <id>', 'the new department, or "none"')
      .option('--status <status>', 'active or disabled'),
  ).action(
    async (
      accountId: string,
      opts: Target & { reason: string; roles?: string; department?: string; status?: string },
    ) =>
      out(
        await adminCall(opts, 'PATCH', `/staff/${encodeURIComponent(accountId)}`, {
          reason: opts.reason,
          ...(opts.roles ? { roles: list(opts.roles) } : {}),
          ...(opts.department ? { department: opts.department === 'none' ? null : opts.department } : {}),
          ...(opts.status ? { status: opts.status } : {}),
        }),
      ),
  );
  withTarget(staff.command('requests').description('Requests waiting for a second administrator')).action(
    async (opts: Target) => out((await adminCall(opts, 'GET', '/staff-requests')).requests),
  );
  withTarget(
    staff
      .command('approve <requestId>')
      .description('Approve another administrator’s request (never your own, nor one about you)'),
  ).action(async (requestId: string, opts: Target) =>
    out(await adminCall(opts, 'POST', `/staff-requests/${encodeURIComponent(requestId)}/approve`, {})),
  );
  withTarget(
    staff
      .command('reject <requestId>')
      .description('Reject a request, or withdraw your own')
      .option('--reason <why>', 'recorded in the audit trail'),
  ).action(async (requestId: string, opts: Target & { reason?: string }) =>
    out(
      await adminCall(opts, 'POST', `/staff-requests/${encodeURIComponent(requestId)}/reject`, {
        ...(opts.reason ? { reason: opts.reason } : {}),
      }),
    ),
  );

  const companies = program
    .command('companies')
    .description('Look up who represents a company (read-only; every look-up is audited)');
  withTarget(
    companies
      .command('show <uscc>')
      .description(
        'A company’s legal representative and agents: names, masked ID numbers, scopes, until when',
      ),
  ).action(async (uscc: string, opts: Target) =>
    out(await adminCall(opts, 'GET', `/companies/${encodeURIComponent(uscc.trim().toUpperCase())}`)),
  );

  const servers = program
    .command('resource-servers')
    .description('Register department APIs (audiences, scopes, routes)');
  withTarget(servers.command('list').description('Every resource server')).action(async (opts: Target) =>
    out((await adminCall(opts, 'GET', '/resource-servers')).resourceServers),
  );
  withTarget(
    servers
      .command('add')
      .description('Register or change a department API')
      .requiredOption('--audience <url>', 'the API’s identifier (its base URL)')
      .requiredOption('--name <name>')
      .requiredOption('--department <id>')
      .requiredOption('--scopes <list>', 'scopes it accepts, e.g. meters:read,meters:write')
      .option(
        '--route <spec>',
        'METHOD /path=scope[:loa], e.g. "GET /meters/{id}=meters:read:2" (repeat)',
        collect,
      )
      .option('--ttl <seconds>', 'access token lifetime', positiveInt, 600),
  ).action(
    async (
      opts: Target & {
        audience: string;
        name: string;
        department: string;
        scopes: string;
        route?: string[];
        ttl: number;
      },
    ) => {
      const routes = Object.fromEntries(
        (opts.route ?? []).map((spec) => {
          const [route, rule = ''] = spec.split('=');
          const [scope, loa] =
            rule.split(':').length > 2
              ? [rule.split(':').slice(0, -1).join(':'), rule.split(':').at(-1)]
              : [rule, undefined];
          return [route!.trim(), { ...(scope ? { scope } : {}), ...(loa ? { minLoa: Number(loa) } : {}) }];
        }),
      );
      out(
        await adminCall(opts, 'PUT', '/resource-servers', {
          audience: opts.audience,
          name: opts.name,
          department: opts.department,
          scopes: list(opts.scopes),
          accessTokenTtl: opts.ttl,
          routes,
        }),
      );
    },
  );
};

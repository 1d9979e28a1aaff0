import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OutboxNotifier, TotpVault } from '../../libs/accounts/index.ts';
import { AuditSealer, DetectingAuditLog, DynamoAuditLog, type SealRun } from '../../libs/audit/index.ts';
import { type AppConfig, type KeyPurpose, ZONES, type Zone } from '../../libs/config/index.ts';
import { IdentityHasher } from '../../libs/identity/index.ts';
import { LocalKeyring, LocalSecretStore } from '../../libs/keys/index.ts';
import type { HolderRefs } from '../../libs/licences/index.ts';
import { InProcessBackchannelQueue } from '../../libs/oidc/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import {
  createDynamoClient,
  type DynamoClientOptions,
  dropTables,
  ensureTables,
  type TableName,
} from '../../libs/store/index.ts';
import { FUNCTIONS, routesOf } from '../routes.ts';
import { startEmbeddedStore } from './embedded-store.ts';
import { createZoneGateway, type GatewayTarget } from './gateway.ts';
import { moveLegacySecrets } from './legacy-secrets.ts';
import { serveLoopback } from './loopback.ts';
import { type RegistryTwin, startRegistryTwin } from './registry-twin.ts';
import {
  DEMO_MACHINE_CLIENTS,
  type DemoAccount,
  type DemoMachineClient,
  seedDemoAccounts,
  seedDemoClient,
  seedDemoDepartments,
  seedDemoLicences,
  seedDemoLicenceTypes,
  seedDemoResourceServers,
  seedMachineClient,
} from './seed.ts';

/** The functions (`name-zone`) that delete closed accounts on a schedule. */
const FUNCTIONS_SWEEPING = new Set(
  FUNCTIONS.flatMap((f) => (f.sweepsClosedAccounts ? [`${f.name}-${f.sweepsClosedAccounts}`] : [])),
);

export const DEFAULT_PORTS: Readonly<Record<Zone, number>> = { public: 3000, extranet: 3001, intranet: 3002 };

export interface LocalStackOptions {
  /** Where the store, keys and secrets live. @default '.yitong' */
  readonly dataDir?: string;
  /** Throwaway run: store in memory, keys in a temporary folder removed on stop. @default false */
  readonly memory?: boolean;
  /** Ports per zone; 0 picks a free one. @default 3000, 3001, 3002 */
  readonly ports?: Partial<Record<Zone, number>>;
  /** Another DynamoDB-compatible endpoint instead of the embedded store. @default process.env.DYNAMODB_ENDPOINT */
  readonly dynamodbEndpoint?: string;
  /** Table name prefix, so several stacks can share one endpoint. @default 'yitong' */
  readonly tablePrefix?: string;
  /**
   * Ports of the demo department sites (two public, one intranet); 0 picks a free one, an
   * omitted `staff` too; false starts none. Needs `startDemoSite`.
   * @default { tax: 3100, housing: 3101, staff: 3102 } with `startDemoSite`, else false
   */
  readonly demoSites?: DemoSitePorts | false;
  /**
   * Starts one demo department site. The local twin knows no site of its own (it must not depend
   * on an example): `yitong start` passes the example department site
   * (examples/department-site/local-demo.ts). @default none, so no demo sites
   */
  readonly startDemoSite?: StartDemoSite;
  /** Called for every signature the stack's keys make (benchmarks count what would be KMS `Sign` calls). */
  readonly onSign?: (purpose: KeyPurpose, zone: Zone) => void;
  /** Extra DynamoDB client middleware (benchmarks count calls with it; fault tests inject failures). */
  readonly configureDynamo?: DynamoClientOptions['configure'];
  /** Seconds a status list is kept by verifiers and each function (its `ttl`). @default 300 */
  readonly statusListTtlSeconds?: number;
  /** Seconds between signed audit checkpoints (the deployed schedule is 15 minutes); 0 for none. @default 60 */
  readonly checkpointSeconds?: number;
  /** Milliseconds between runs of the audit sealer's poller (on AWS the table's stream drives it). @default 1000 */
  readonly sealMilliseconds?: number;
  /** Port of the population and company registry twin; 0 picks a free one. @default 3200, or 0 when a zone's port is 0 */
  readonly registryPort?: number;
  /** How long the functions wait for the registry before giving up. @default 2000 */
  readonly registryTimeoutMs?: number;
  /** The cooling-off between closing an account and its deletion, in seconds (tests shorten it). @default 14 days */
  readonly accountClosingSeconds?: number;
  /** Milliseconds between runs of the closed-account sweep (hourly on AWS). @default 60000 */
  readonly closingSweepMilliseconds?: number;
}

export interface DemoSitePorts {
  readonly tax: number;
  readonly housing: number;
  readonly staff?: number;
}

type DemoSiteKey = 'tax' | 'housing' | 'staff';

/** What a demo site is told: its name, its zone's issuer and the client it signs in as. */
export interface DemoSiteOptions {
  /** Shown on the page, e.g. "Tax Bureau 税务局". */
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  /** Known only once the site's URL is registered, so read it when signing in, not at start. */
  readonly clientSecret: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** A running demo site: a relying party of the local stack. */
export interface DemoSite {
  readonly url: string;
  close(): Promise<void>;
}

export type StartDemoSite = (options: DemoSiteOptions) => Promise<DemoSite>;

export interface LocalDemo {
  readonly accounts: readonly DemoAccount[];
  /** Machine clients (client credentials) of the licence-issuing demo departments. */
  readonly machineClients: readonly DemoMachineClient[];
  readonly sites: Readonly<
    Record<
      DemoSiteKey,
      { readonly url: string; readonly clientId: string; readonly zone: Zone; readonly site: DemoSite }
    >
  >;
}

export interface LocalStack {
  readonly urls: Readonly<Record<Zone, string>>;
  readonly dynamodbEndpoint: string;
  readonly dataDir: string | undefined;
  /** Where the dev signing keys live (inside the data folder, or a throwaway one). */
  readonly keysDir: string;
  readonly tables: Readonly<Record<TableName, string>>;
  /** Demo accounts and department sites (local mode only). */
  readonly demo: LocalDemo;
  /** Seals pending audit events, then signs an audit checkpoint now, as the scheduled job does. */
  checkpoint(): Promise<{ checkpointId: string; created: boolean }>;
  /** Seals every audit event written in the last two minutes that no seal lists yet (the poller does it every second). */
  seal(): Promise<SealRun>;
  /** The population and company registry twin the functions prove identities against. */
  readonly registry: RegistryTwin;
  /** Every message the stack would have sent (reset and contact codes, notices), by email or SMS. */
  readonly outbox: OutboxNotifier;
  /** Deletes closed accounts whose cooling-off has ended now, as the schedule does; how many. */
  sweepClosedAccounts(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts the whole system on one machine: the embedded store, tables from the stack's own
 * definitions, dev keys, and the three zones' gateways serving the deployed handlers.
 */
export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const demoSites = demoSitesOf(options);
  const memory = options.memory ?? false;
  const dataDir = memory ? await mkdtemp(join(tmpdir(), 'yitong-')) : resolve(options.dataDir ?? '.yitong');
  const keysDir = join(dataDir, 'keys');
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  if (memory) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

  try {
    let dynamodbEndpoint = options.dynamodbEndpoint ?? process.env.DYNAMODB_ENDPOINT;
    const sharedEndpoint = Boolean(dynamodbEndpoint);
    if (!dynamodbEndpoint) {
      const store = await startEmbeddedStore({ path: memory ? undefined : join(dataDir, 'dynamodb') });
      cleanups.push(() => store.close());
      dynamodbEndpoint = store.endpoint;
    }
    // A throwaway run on a shared endpoint gets tables of its own, dropped when it stops.
    const throwawayTables = memory && sharedEndpoint && !options.tablePrefix;
    const prefix =
      options.tablePrefix ?? (throwawayTables ? `yitong-tmp-${randomBytes(4).toString('hex')}` : 'yitong');
    const tables: Record<TableName, string> = {
      identity: `${prefix}-identity`,
      licences: `${prefix}-licences`,
      audit: `${prefix}-audit`,
    };
    const doc = createDynamoClient({ endpoint: dynamodbEndpoint, configure: options.configureDynamo });
    cleanups.push(async () => doc.destroy());
    await ensureTables(doc, tables);
    if (throwawayTables) cleanups.push(() => dropTables(doc, tables));

    // Tables and secrets are shared by every zone, as on AWS. Each zone's keyring holds its
    // own ID and access token key (and the shared licence, status list and checkpoint keys).
    const keyrings = Object.fromEntries(
      ZONES.map((zone) => [
        zone,
        new LocalKeyring(keysDir, {
          zone,
          ...(options.onSign ? { onSign: (purpose: KeyPurpose) => options.onSign!(purpose, zone) } : {}),
        }),
      ]),
    ) as Record<Zone, LocalKeyring>;
    // Secrets (cookie keys, pairwise salt, portal secrets, the TOTP data key) in the data folder.
    const secrets = new LocalSecretStore(keysDir);
    await moveLegacySecrets(doc, tables.identity, secrets);
    const cookieKeys = await secrets.versions('cookie-keys');
    // How often the stack signs a checkpoint: what verification holds the newest one to.
    const checkpointEvery = options.checkpointSeconds ?? 60;
    const checkpointSchedule = checkpointEvery > 0 ? { auditCheckpointSeconds: checkpointEvery } : {};
    const audit = new DetectingAuditLog(new DynamoAuditLog(doc, tables.audit), doc, tables.audit);
    const registry = await startRegistryTwin({
      port: options.registryPort ?? (Object.values(options.ports ?? {}).includes(0) ? 0 : 3200),
    });
    cleanups.push(() => registry.close());
    const identitySource = { url: registry.url, timeoutMs: options.registryTimeoutMs ?? 2000 };
    // Each zone's back-channel logout queue, in-process: any function may end sessions (the
    // account portal revoking an agent), the zone's oidc function signs and delivers at once.
    const backchannel = Object.fromEntries(
      ZONES.map((zone) => [zone, new InProcessBackchannelQueue()]),
    ) as Record<Zone, InProcessBackchannelQueue>;

    // One outbox for the whole stack: every function's codes and notices, shown at /outbox.
    const outbox = new OutboxNotifier();
    const urls = {} as Record<Zone, string>;
    const sweepers: Array<Promise<GatewayTarget>> = [];
    for (const zone of ZONES) {
      const targets = new Map<string, Promise<GatewayTarget>>();
      let ready: (issuer: string) => void = () => undefined;
      const issuerKnown = new Promise<string>((r) => {
        ready = r;
      });
      const targetFor = (fn: (typeof FUNCTIONS)[number]): Promise<GatewayTarget> => {
        let target = targets.get(fn.name);
        if (!target) {
          target = issuerKnown.then(async (issuer) => {
            const config: AppConfig = {
              zone,
              issuer,
              tables,
              keys: { kind: 'local', dir: keysDir },
              dynamodbEndpoint,
              localMode: true,
              // Licences name the public entry as their issuer, whichever zone issues them.
              licenceIssuer: urls.public ?? issuer,
              ...checkpointSchedule,
              statusListTtlSeconds: options.statusListTtlSeconds,
              identitySource,
              accountClosingSeconds: options.accountClosingSeconds,
            };
            const runtime = await createRuntime(config, {
              doc,
              keyring: keyrings[zone],
              secrets,
              cookieKeys,
              audit,
              backchannel,
              outbox,
            });
            if (!fn.load) throw new Error(`${fn.name} has routes but no handler factory to serve them`);
            return { functionName: `yitong-${fn.name}-${zone}`, handler: await (await fn.load())(runtime) };
          });
          targets.set(fn.name, target);
        }
        return target;
      };
      const gateway = createZoneGateway(
        zone,
        routesOf(zone).map(({ fn, route }) => ({ target: targetFor(fn), route })),
      );
      const { port, close } = await serveLoopback(gateway, options.ports?.[zone] ?? DEFAULT_PORTS[zone]);
      cleanups.push(close);
      urls[zone] = `http://localhost:${port}`;
      ready(urls[zone]);
      // Build handlers now, so a broken one fails the start rather than the first request.
      await Promise.all([...targets.values()]);
      for (const [name, target] of targets)
        if (FUNCTIONS_SWEEPING.has(`${name}-${zone}`)) sweepers.push(target);
    }
    // Lets `yitong accounts …` and `yitong licences …` find this running stack.
    if (!memory) {
      const file = join(dataDir, 'endpoint.json');
      await writeFile(file, JSON.stringify({ dynamodbEndpoint, tables, urls }, null, 2));
      cleanups.push(() => rm(file, { force: true }));
    }
    const demo = await startDemo(
      doc,
      tables,
      // Demo licences are signed as an issuing zone's licences function signs them.
      keyrings.extranet,
      {
        vault: new TotpVault(secrets),
        keysDir,
        hasher: new IdentityHasher(() => secrets.versions('identity-hash-key')),
      },
      urls,
      demoSites,
    );
    for (const { site } of Object.values(demo.sites)) cleanups.push(() => site.close());

    // The audit jobs function's checkpoint run, on a timer instead of EventBridge.
    // The audit jobs have a store client of their own, as they are their own function on AWS:
    // the fault injection and call counting of `configureDynamo` are for the functions that
    // serve requests.
    const jobsDoc = createDynamoClient({ endpoint: dynamodbEndpoint });
    cleanups.push(async () => jobsDoc.destroy());
    const jobs = await (await import('../../functions/audit-jobs/app.ts')).makeHandler(
      await createRuntime(
        {
          zone: 'intranet',
          issuer: urls.intranet,
          tables,
          keys: { kind: 'local', dir: keysDir },
          dynamodbEndpoint,
          localMode: true,
          ...checkpointSchedule,
        },
        { doc: jobsDoc, keyring: keyrings.intranet, secrets, cookieKeys, audit },
      ),
    );
    // The sealer: on AWS the audit table's stream feeds it; the embedded store has no stream, so
    // a poller looks for events no seal lists yet (first catching up from before a restart).
    const sealer = new AuditSealer(jobsDoc, tables.audit);
    await sealer.sealPending({ catchUp: true });
    let sealing: Promise<unknown> = Promise.resolve();
    const seal = () => {
      sealing = sealing.then(() => sealer.sealPending());
      return sealing as Promise<SealRun>;
    };
    const sealTimer = setInterval(() => {
      seal().catch(() => undefined);
    }, options.sealMilliseconds ?? 1000);
    sealTimer.unref();
    cleanups.push(async () => {
      clearInterval(sealTimer);
      await seal().catch(() => undefined);
    });
    // The closed-account sweep: the same function the hourly schedule invokes on AWS.
    let sweeping: Promise<number> = Promise.resolve(0);
    const sweepClosedAccounts = () => {
      sweeping = sweeping.then(async () => {
        let deleted = 0;
        for (const target of sweepers) {
          const { handler } = await target;
          const result = await handler(
            { source: 'yitong.local', 'detail-type': 'Scheduled Event' } as never,
            {} as never,
          );
          deleted += Number((JSON.parse(result.body) as { deleted?: unknown }).deleted ?? 0);
        }
        return deleted;
      });
      return sweeping;
    };
    const sweepTimer = setInterval(() => {
      sweepClosedAccounts().catch(() => 0);
    }, options.closingSweepMilliseconds ?? 60_000);
    sweepTimer.unref();
    cleanups.push(async () => {
      clearInterval(sweepTimer);
      await sweeping.catch(() => 0);
    });
    const checkpoint = async () => {
      await seal();
      const result = await jobs({ source: 'yitong.local', 'detail-type': 'Scheduled Event' } as never);
      if ('checkpointId' in result) return result;
      throw new Error('the audit jobs function did not sign a checkpoint');
    };
    if (checkpointEvery > 0) {
      let running: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        running = checkpoint().catch(() => undefined);
      }, checkpointEvery * 1000);
      timer.unref();
      cleanups.push(async () => {
        clearInterval(timer);
        await running;
      });
    }
    return {
      urls,
      dynamodbEndpoint,
      dataDir: memory ? undefined : dataDir,
      keysDir,
      tables,
      demo,
      checkpoint,
      seal,
      registry,
      outbox,
      sweepClosedAccounts,
      stop,
    };
  } catch (err: unknown) {
    await stop();
    throw err;
  }
};

/** Which demo sites to start, and how: none without a way to start one. */
const demoSitesOf = (
  options: LocalStackOptions,
): { readonly ports: DemoSitePorts; readonly start: StartDemoSite } | false => {
  const start = options.startDemoSite;
  if (!start) {
    if (options.demoSites)
      throw new Error('demoSites needs startDemoSite: the local stack has no site of its own');
    return false;
  }
  const ports = options.demoSites ?? { tax: 3100, housing: 3101, staff: 3102 };
  return ports && { ports, start };
};

/**
 * Demo accounts, a resource server, two department sites registered as public-zone clients
 * and a staff portal registered as an intranet client (signed in to through :3002 only).
 */
const startDemo = async (
  doc: ReturnType<typeof createDynamoClient>,
  tables: Readonly<Record<TableName, string>>,
  keyring: LocalKeyring,
  local: { readonly vault: TotpVault; readonly keysDir: string; readonly hasher: HolderRefs },
  issuers: Readonly<Record<Zone, string>>,
  demoSites: { readonly ports: DemoSitePorts; readonly start: StartDemoSite } | false,
): Promise<LocalDemo> => {
  const table = tables.identity;
  await seedDemoDepartments(doc, table);
  const accounts = await seedDemoAccounts(doc, table, local.vault);
  await seedDemoLicenceTypes(doc, tables.licences, issuers.public);
  const machineClients = [];
  for (const spec of DEMO_MACHINE_CLIENTS) {
    machineClients.push(await seedMachineClient(doc, table, local.keysDir, spec.clientId, spec.department));
  }
  await seedDemoLicences(doc, tables, keyring, issuers.public, local.hasher);
  if (!demoSites) return { accounts, machineClients, sites: {} as LocalDemo['sites'] };
  const { ports, start } = demoSites;
  const specs = [
    {
      key: 'tax',
      clientId: 'tax-bureau',
      name: 'Tax Bureau 税务局',
      department: 'tax',
      zone: 'public',
      port: ports.tax,
      // Companies file taxes through their representatives: the demo of acting for a company.
      acceptsCompanies: true,
    },
    {
      key: 'housing',
      clientId: 'housing-fund',
      name: 'Housing Fund 住房公积金',
      department: 'housing',
      zone: 'public',
      port: ports.housing,
    },
    {
      key: 'staff',
      clientId: 'staff-portal',
      name: 'Staff Portal 内部办公平台',
      department: 'general-office',
      zone: 'intranet',
      port: ports.staff ?? 0,
    },
  ] as const;
  const sites = {} as Record<DemoSiteKey, { url: string; clientId: string; zone: Zone; site: DemoSite }>;
  for (const spec of specs) {
    let secret = '';
    const site = await start({
      name: spec.name,
      issuer: issuers[spec.zone],
      clientId: spec.clientId,
      port: spec.port,
      get clientSecret() {
        return secret;
      },
    });
    secret = await seedDemoClient(doc, table, local.keysDir, {
      clientId: spec.clientId,
      name: spec.name,
      zone: spec.zone,
      department: spec.department,
      siteUrl: site.url,
      acceptsCompanies: 'acceptsCompanies' in spec && spec.acceptsCompanies,
    });
    sites[spec.key] = { url: site.url, clientId: spec.clientId, zone: spec.zone, site };
  }
  await seedDemoResourceServers(doc, table, sites.tax.url);
  return { accounts, machineClients, sites };
};

/**
 * Walks docs/departments.md: every `sh` block, in order, against a fresh local stack. `npx
 * yitong …` runs the CLI in-process, `curl …` runs as fetch, `… npm run example:site` starts
 * the example site, `npm start` is the stack this test already started. Localhost URLs of the
 * guide are mapped to this run's ports; `<name>` placeholders take the latest value of that
 * field printed by an earlier step, as a reader would copy it.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../cli/main.ts';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import { type DepartmentSite, startDepartmentSite } from '../../examples/department-site/site.ts';
import { serveLoopback } from '../../infra/local/loopback.ts';
import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { getClient } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';
import { proveIdentity, registerTestCompany } from '../support/licence-holders.ts';

let stack: LocalStack;
let dataDir: string;
let configDir: string;
let sitePort: number;
const sites: DepartmentSite[] = [];

const freePort = async () => {
  const { port, close } = await serveLoopback(() => undefined, 0);
  await close();
  return port;
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'yitong-guide-'));
  configDir = await mkdtemp(join(tmpdir(), 'yitong-guide-config-'));
  process.env.YITONG_CONFIG_DIR = configDir;
  stack = await startLocalDemo({
    dataDir,
    tablePrefix: `guide-${Date.now().toString(36)}`,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0, staff: 0 },
    checkpointSeconds: 0,
  });
  sitePort = await freePort();
  await copyFile('examples/department-site/permits.csv', join(dataDir, 'permits.csv'));
  // The guide's company look-up names the demo company, which a reader has its legal
  // representative register first, as the guide says (chen.ming proves his identity, then
  // registers it at the account portal): done here through the same libs.
  const chen = DEMO_RESIDENTS.find((r) => r.loginName === 'chen.ming')!;
  const rep = stack.demo.accounts.find((a) => a.loginName === 'chen.ming')!;
  await proveIdentity(stack, rep.accountId, chen);
  await registerTestCompany(stack, rep.accountId, DEMO_COMPANIES[0]!.uscc);
});
afterAll(async () => {
  delete process.env.YITONG_CONFIG_DIR;
  for (const site of sites) await site.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(configDir, { recursive: true, force: true });
});

/** Splits a shell line into words, honouring single and double quotes. */
const words = (line: string): string[] => {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
};

describe('docs/departments.md', () => {
  it('works command by command against the local stack', async () => {
    const guide = await readFile('docs/departments.md', 'utf8');
    const commands = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
      m[1]!
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    expect(commands.length).toBeGreaterThanOrEqual(12);
    const values = new Map<string, string>();
    /** Each client the guide registered, by name. */
    const clientIds = new Map<string, string>();
    const remember = (text: string) => {
      try {
        // A list names many things: a reader copies values from what one command made or showed.
        const parsed = JSON.parse(text) as unknown;
        if (Array.isArray(parsed) || typeof parsed !== 'object' || parsed === null) return;
        for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') values.set(k, v);
        const made = parsed as { client_id?: unknown; client_name?: unknown };
        if (typeof made.client_id === 'string' && typeof made.client_name === 'string')
          clientIds.set(made.client_name, made.client_id);
      } catch {
        // not JSON: nothing to remember
      }
    };
    const ports: Record<string, string> = {
      'http://localhost:3000': stack.urls.public,
      'http://localhost:3001': stack.urls.extranet,
      'http://localhost:3002': stack.urls.intranet,
      'http://localhost:3100': stack.demo.sites.tax.url,
      'http://localhost:4100': `http://localhost:${sitePort}`,
    };
    const resolve = (line: string) => {
      let out = line;
      for (const [from, to] of Object.entries(ports)) out = out.replaceAll(from, to);
      out = out.replace(/\bPORT=4100\b/, `PORT=${sitePort}`);
      // The licence CLI keeps its results next to the file: work on a copy, not the repository's.
      out = out.replaceAll('examples/department-site/permits.csv', join(dataDir, 'permits.csv'));
      return out.replace(/<(\w+)>/g, (whole, name: string) => {
        const value = values.get(name);
        if (value === undefined) throw new Error(`the guide uses ${whole} before any step printed it`);
        return value;
      });
    };

    for (const raw of commands) {
      const line = resolve(raw);
      if (line === 'npm start') continue; // the stack this test started
      if (line.startsWith('npx yitong ')) {
        const args = [...words(line).slice(2), '--data-dir', dataDir];
        const printed: string[] = [];
        const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
          printed.push(String(chunk));
          return true;
        });
        try {
          const running = buildCli({ throwOnError: true }).parseAsync(['node', 'yitong', ...args]);
          if (args[0] === 'login') {
            // The administrator opens the link and signs in with their second factor.
            let shown: RegExpExecArray | null = null;
            for (let i = 0; i < 100 && !shown; i++) {
              shown = /Open (\S+) and sign in with the code (\S+)/.exec(printed.join(''));
              if (!shown) await new Promise((r) => setTimeout(r, 50));
            }
            expect(shown, 'yitong login printed a link and a code').not.toBeNull();
            const admin = stack.demo.accounts.find((a) => a.loginName === 'zhao.liu')!;
            const ua = new UserAgent();
            const input = await ua.follow(shown![1]!);
            const confirm = await ua.submit(input, '/device', { user_code: shown![2]! });
            expect(
              confirm.html,
              confirm.html.replace(/<style[\s\S]*?<\/style>/, '').slice(0, 2500),
            ).toContain('Confirm the device');
            // Then the usual sign-in pages: password, security code, consent.
            let page = await ua.submit(confirm, '/device', {});
            for (let step = 0; step < 6 && !page.html.includes('Device signed in'); step++) {
              if (page.html.includes('/login" novalidate'))
                page = await ua.submit(page, '/login', {
                  username: admin.loginName,
                  password: admin.password,
                });
              else if (page.html.includes('/otp" novalidate'))
                page = await ua.submit(page, '/otp', { otp: totpCode(admin.totpSecret!) });
              else if (page.html.includes('/consent"'))
                page = await ua.submit(page, '/consent', { decision: 'allow' });
              else throw new Error(`unexpected page in the device sign-in: ${page.url} ${page.status}`);
            }
            const success = page;
            expect(success.html).toContain('Device signed in');
          }
          await running;
        } finally {
          spy.mockRestore();
        }
        if (process.env.GUIDE_DEBUG) console.error(args.join(' '), printed.join('').slice(0, 600));
        remember(printed.join(''));
        continue;
      }
      if (line.startsWith('curl ')) {
        const parts = words(line).slice(1);
        let method: string | undefined;
        const headers: Record<string, string> = {};
        const data: string[] = [];
        let url = '';
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i]!;
          if (part === '-s') continue;
          if (part === '-X') method = parts[++i];
          else if (part === '-H') {
            const [k, ...v] = parts[++i]!.split(':');
            headers[k!.trim().toLowerCase()] = v.join(':').trim();
          } else if (part === '-d') data.push(parts[++i]!);
          else if (part === '-u')
            headers.authorization = `Basic ${Buffer.from(parts[++i]!).toString('base64')}`;
          else url = part;
        }
        if (data.length && !headers['content-type'])
          headers['content-type'] = 'application/x-www-form-urlencoded';
        const res = await fetch(url, {
          method: method ?? (data.length ? 'POST' : 'GET'),
          headers,
          body: data.length ? data.join('&') : undefined,
        });
        const text = await res.text();
        expect(res.status, `${raw}\n${text}`).toBeLessThan(300);
        remember(text);
        continue;
      }
      if (line.endsWith('npm run example:site')) {
        const env = Object.fromEntries(
          words(line)
            .filter((w) => /^[A-Z_]+=/.test(w))
            .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
        );
        const site = await startDepartmentSite({
          name: 'Water bills',
          issuer: env.YITONG_ISSUER!,
          clientId: env.YITONG_CLIENT_ID!,
          clientSecret: env.YITONG_CLIENT_SECRET!,
          port: Number(env.PORT),
        });
        sites.push(site);
        // As the guide says: sign in there, then sign out at the Tax Bureau's site.
        const ua = new UserAgent();
        const citizen = { username: 'zhang.san', password: 'demo-citizen-2026' };
        for (const url of [site.url, stack.demo.sites.tax.url]) {
          const callback = await signIn(
            ua,
            `${url}/login`,
            (u) => u.pathname === '/callback' && u.port === new URL(url).port,
            citizen,
          );
          await ua.follow(callback.href);
          expect((await ua.request(`${url}/`)).html).toContain('Signed in as');
        }
        const logout = await ua.request(`${stack.demo.sites.tax.url}/logout`, { form: {} });
        const confirm = await ua.follow(logout.headers.get('location')!);
        await ua.submit(confirm, '/session/end/confirm', { logout: 'yes' });
        expect(site.logouts).toHaveLength(1);
        expect((await ua.request(`${site.url}/`)).html).toContain('Not signed in');
        continue;
      }
      throw new Error(`the guide has a command this walk does not know how to run: ${raw}`);
    }
    // The last steps of section 8 rotated the meter reader's secret and then disabled it.
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    const stored = await getClient(doc, stack.tables.identity, clientIds.get('Meter reader 抄表')!);
    expect(stored).toMatchObject({
      yitong_department: 'water',
      yitong_disabled: true,
      grant_types: ['client_credentials'],
    });
    // Then a site that accepts companies was registered.
    const desk = await getClient(doc, stack.tables.identity, clientIds.get('Company tax desk 企业办税')!);
    expect(desk).toMatchObject({ yitong_department: 'tax', yitong_accepts_companies: true });
    const events = (await auditEvents(stack)).map((e) => e.type);
    for (const type of [
      'admin.department.created',
      'admin.client.created',
      'admin.registration_token.issued',
      'client.registered',
      'admin.registration_token.revoked',
      'admin.resource_server.updated',
      'admin.client.secret_rotated',
      'admin.client.updated',
      'licence.issued',
    ])
      expect(events, type).toContain(type);
  }, 180_000);
});

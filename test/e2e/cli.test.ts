import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../cli/main.ts';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { LicenceService } from '../../libs/licences/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';
import { freshResidentId, stackHasher } from '../support/licence-holders.ts';

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'yitong-cli-'));
  stack = await startLocalDemo({
    dataDir,
    tablePrefix: `cli-${Date.now().toString(36)}`,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0, staff: 0 },
  });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const run = async (...args: string[]) => {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await buildCli({ throwOnError: true }).parseAsync(['node', 'yitong', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out.join('');
};

describe('yitong accounts create', () => {
  it('creates a staff account on the running stack whose one-time password signs in once a new password and a second factor are set', async () => {
    const out = await run(
      'accounts',
      'create',
      '--login-name',
      'chen.hao',
      '--display-name',
      '陈浩',
      '--roles',
      'staff,department-officer',
      '--department',
      'tax',
      '--data-dir',
      dataDir,
    );
    const password = /one-time password: (\S+)/.exec(out)![1]!;
    const tax = stack.demo.sites.tax.url;
    const steps: string[] = [];
    const callback = await signIn(new UserAgent(), `${tax}/login`, (u) => u.pathname === '/callback', {
      username: 'chen.hao',
      password,
      newPassword: 'chen hao chose this one',
      onTotpEnrolled: () => steps.push('enrolled'),
    });
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(steps).toEqual(['enrolled']);
  });

  it('creates an administrator only as break-glass, audited as such', async () => {
    const args = ['accounts', 'create', '--login-name', 'glass.admin', '--display-name', 'Glass', '--roles'];
    await expect(run(...args, 'staff,admin', '--data-dir', dataDir)).rejects.toThrow(/two administrators/);
    const out = await run(
      ...args,
      'staff,admin',
      '--break-glass',
      'the only administrator left the service',
      '--data-dir',
      dataDir,
    );
    expect(out).toMatch(/break-glass/);
    const events = await auditEvents(stack);
    expect(events.filter((e) => e.type === 'account.break_glass')).toEqual([
      expect.objectContaining({
        reason: 'the only administrator left the service',
        details: expect.objectContaining({ roles: ['staff', 'admin'] }),
      }),
    ]);
  });

  it('refuses a role that does not exist, naming it', async () => {
    await expect(
      run(
        'accounts',
        'create',
        '--login-name',
        'x.y',
        '--display-name',
        'X',
        '--roles',
        'superuser',
        '--data-dir',
        dataDir,
      ),
    ).rejects.toThrow(/roles/);
  });

  it('refuses the help desk together with administrator, even as break-glass (separation of duties)', async () => {
    await expect(
      run(
        'accounts',
        'create',
        '--login-name',
        'desk.admin',
        '--display-name',
        'Desk',
        '--roles',
        'staff,support,admin',
        '--break-glass',
        'testing separation of duties',
        '--data-dir',
        dataDir,
      ),
    ).rejects.toThrow(/support and admin are never held together/);
  });
});

describe('yitong accounts index-emails', () => {
  it('writes the e-mail lookup of accounts stored before it, once: a second run changes nothing', async () => {
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    const accounts = new AccountStore(doc, stack.tables.identity);
    await run(
      'accounts',
      'create',
      '--login-name',
      'old.mail',
      '--display-name',
      '旧邮箱',
      '--kind',
      'citizen',
      '--roles',
      'citizen',
      '--data-dir',
      dataDir,
    );
    const old = (await accounts.findByLoginName('old.mail'))!;
    // As an account written before the lookup existed holds its address: on the account item only.
    await doc.send(
      new UpdateCommand({
        TableName: stack.tables.identity,
        Key: { pk: `account#${old.id}`, sk: 'account' },
        UpdateExpression: 'SET email = :e',
        ExpressionAttributeValues: { ':e': 'Old.Mail@Example.cn' },
      }),
    );
    expect(await accounts.findByEmail('old.mail@example.cn')).toEqual([]);

    const first = await run('accounts', 'index-emails', '--data-dir', dataDir);
    expect(first).toMatch(/[1-9]\d* e-mail lookup items written, 0 stale ones removed/);
    expect((await accounts.findByEmail('old.mail@example.cn')).map((a) => a.id)).toEqual([old.id]);

    const again = await run('accounts', 'index-emails', '--data-dir', dataDir);
    expect(again).toMatch(/: 0 e-mail lookup items written, 0 stale ones removed/);
    expect((await accounts.findByEmail('old.mail@example.cn')).map((a) => a.id)).toEqual([old.id]);
    doc.destroy();
  });
});

describe('yitong policy', () => {
  /** `yitong policy explain` against the running stack's store. */
  const explain = (
    principal: string,
    action: string,
    resource: string,
    zone: string,
    loa?: number,
    scopes?: string,
  ) =>
    run(
      'policy',
      'explain',
      '--principal',
      principal,
      '--action',
      action,
      '--resource',
      resource,
      '--zone',
      zone,
      ...(loa === undefined ? [] : ['--loa', String(loa)]),
      ...(scopes === undefined ? [] : ['--scopes', scopes]),
      '--data-dir',
      dataDir,
    );

  it('explains a decision about real accounts and clients of the running stack, naming the deciding policy', async () => {
    const allowed = await explain('user:li.si', 'login', 'client:staff-portal', 'intranet', 2);
    expect(allowed).toMatch(/^ALLOW Yitong::User::"[0-9a-f-]{36}" login Yitong::Client::"staff-portal"/);
    expect(allowed).toContain('permitted by zone-intranet-login');

    const stepUp = await explain('user:li.si', 'login', 'client:staff-portal', 'intranet');
    expect(stepUp).toMatch(/^DENY .*\(default deny\)\n {2}would be allowed at loa 2 \(step-up\)/);

    const wrongZone = await explain(
      'user:wang.wu',
      'callApi',
      'route:GET /audit/verify',
      'extranet',
      3,
      'audit:read',
    );
    expect(wrongZone).toContain('forbidden by zone-api-entry');
    expect(wrongZone).toContain('@id("zone-api-entry")');
  });

  it('refuses an unknown principal with a message that says what is accepted', async () => {
    await expect(explain('user:nobody', 'login', 'client:tax-bureau', 'public')).rejects.toThrow(
      /there is no account nobody/,
    );
    await expect(explain('who?', 'login', 'client:tax-bureau', 'public')).rejects.toThrow(
      /use user:<login>, client:<id>/,
    );
  });

  it('runs the policy tests from the data files', async () => {
    const out = await run('policy', 'test');
    expect(out).toMatch(/\n(\d+) passed, 0 failed\n$/);
    expect(out).toContain('ok   a tax officer cannot issue another department');
  });
});

describe('yitong licences', () => {
  /** The files' holder: a person named by ID number, who has no account. */
  const residentId = freshResidentId();
  const permit = (n: number) => ({
    residentId,
    claims: {
      family_name: '张',
      given_name: `${n}号`,
      birth_date: '1980-01-01',
      id_number: residentId,
      address: '北京市',
      vehicle_classes: 'C1',
    },
  });
  /** `yitong licences issue` of driving permits from a file, by the transport department's client. */
  const issuePermits = (file: string) => [
    'licences',
    'issue',
    '--file',
    file,
    '--type',
    'driving-permit',
    '--client',
    'transport-registry',
    '--data-dir',
    dataDir,
  ];
  const results = async (file: string) =>
    (await readFile(`${file}.results.jsonl`, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .sort((a, b) => Number(a.line) - Number(b.line));
  const licencesOf = async (holderId: string) =>
    new LicenceService({
      doc: createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      table: stack.tables.licences,
      issuer: stack.urls.public,
      keyring: new LocalKeyring(stack.keysDir),
    }).licencesOf(await stackHasher(stack).personRef(holderId));
  const holderLicences = () => licencesOf(residentId);

  it('issues a JSONL file with a progress summary, and resumes after a crash without issuing twice', async () => {
    const file = join(dataDir, 'permits.jsonl');
    await writeFile(file, `${[1, 2, 3, 4].map((n) => JSON.stringify(permit(n))).join('\n')}\n`);
    const before = (await holderLicences()).length;
    const args = issuePermits(file);
    const first = await run(...args);
    expect(first).toContain('4/4  issued 4, replayed 0, failed 0, skipped 0');
    expect((await holderLicences()).length).toBe(before + 4);

    // Everything recorded: nothing is sent again.
    expect(await run(...args)).toContain('4/4  issued 0, replayed 0, failed 0, skipped 4');

    // A crash after two requests reached the server but before they were recorded locally.
    const progress = (await readFile(`${file}.progress.jsonl`, 'utf8')).split('\n').filter(Boolean);
    await writeFile(`${file}.progress.jsonl`, `${progress.slice(0, 2).join('\n')}\n`);
    expect(await run(...args)).toContain('4/4  issued 0, replayed 2, failed 0, skipped 2');
    expect((await holderLicences()).length).toBe(before + 4);
  });

  it('reads CSV, converting columns by the type, and reports a bad row without stopping', async () => {
    const file = join(dataDir, 'permits.csv');
    await writeFile(
      file,
      'residentId,family_name,given_name,birth_date,id_number,address,vehicle_classes\n' +
        `${residentId},张,五,1980-01-01,${residentId},"北京市, 东城区",C1\n` +
        `${residentId},张,六,1980-01-01,not-an-id,北京市,C1\n` +
        `${residentId.slice(0, 17)}${residentId.endsWith('1') ? '2' : '1'},张,七,1980-01-01,${residentId},北京市,C1\n`,
    );
    const before = (await holderLicences()).length;
    const out = await run(...issuePermits(file));
    expect(out).toContain('3/3  issued 1, replayed 0, failed 2');
    expect((await holderLicences()).length).toBe(before + 1);
    const [ok, bad, wrongHolder] = await results(file);
    expect(ok).toMatchObject({ line: 2, replayed: false });
    expect(bad).toMatchObject({
      line: 3,
      status: 400,
      'invalid-params': [expect.objectContaining({ name: 'claims.id_number' })],
    });
    // A mistyped ID number is refused by its check digit, never issued to someone else.
    expect(wrongHolder).toMatchObject({
      line: 4,
      status: 400,
      'invalid-params': [expect.objectContaining({ name: 'holder.residentId' })],
    });
  });

  it('refuses a file that names holders by login name, saying which columns to use', async () => {
    const file = join(dataDir, 'old-permits.csv');
    await writeFile(
      file,
      'holder,family_name,given_name,birth_date,id_number,address,vehicle_classes\n' +
        `zhang.san,张,三,1980-01-01,${residentId},北京市,C1\n`,
    );
    await expect(run(...issuePermits(file))).rejects.toThrow(/"residentId".*"uscc"/);
  });

  it('issues an Excel export saved on Chinese Windows: GB18030, CRLF, an address with a line break', async () => {
    const file = join(dataDir, 'permits-gb18030.csv');
    await copyFile(new URL('../unit/fixtures/permits-excel-gb18030.csv', import.meta.url), file);
    const out = await run(...issuePermits(file));
    expect(out).toContain('3/3  issued 3, replayed 0, failed 0');
    // Each row is named by the line it starts on: the quoted address spans lines 2-3.
    expect((await results(file)).map((r) => r.line)).toEqual([2, 4, 6]);
    // The address reached the licence whole, line break and comma included (the file's first
    // holder, by the resident ID number its first column names).
    const disclosed = (await licencesOf('110105199005170011')).flatMap((l) =>
      l.sdJwt
        .split('~')
        .slice(1, -1)
        .map((d) => JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[]),
    );
    expect(disclosed).toContainEqual([
      expect.any(String),
      'address',
      '北京市西城区\r\n西长安街 1 号, 3 单元',
    ]);
  });

  it('refuses a CSV with a quote left open before sending anything, naming the line', async () => {
    const file = join(dataDir, 'broken.csv');
    await writeFile(
      file,
      `residentId,family_name,address\r\n${residentId},张,北京市\r\n${residentId},张,"北京市\r\n`,
    );
    await expect(run(...issuePermits(file))).rejects.toThrow('broken.csv: line 3: Quote Not Closed');
  });

  it('verifies a licence file online and offline, reporting the age of its status data', async () => {
    const [licence] = await holderLicences();
    const file = join(dataDir, 'licence.sd-jwt');
    await writeFile(file, licence!.sdJwt);
    const cache = join(dataDir, 'verify-cache');
    const online = await run('licences', 'verify', file, '--trust', stack.urls.public, '--cache', cache);
    expect(online).toContain('verdict: valid');
    expect(online).toMatch(/status data: fetched \d+ s ago\n/);
    const offline = await run('licences', 'verify', file, '--offline', '--cache', cache);
    expect(offline).toContain('verdict: valid');
    expect(offline).toMatch(/status data: fetched \d+ s ago \(offline\)/);

    // Not trusted, not cached: refused offline.
    const elsewhere = await run(
      'licences',
      'verify',
      file,
      '--offline',
      '--cache',
      join(dataDir, 'empty-cache'),
    );
    expect(elsewhere).toContain('verdict: invalid (unknown_issuer)');
    const [jwt, ...rest] = licence!.sdJwt.split('~');
    const [h, p, s] = jwt!.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, vehicle_classes: 'A1' })).toString('base64url')}.${s}~${rest.join('~')}`;
    await writeFile(join(dataDir, 'forged.sd-jwt'), forged);
    expect(
      await run('licences', 'verify', join(dataDir, 'forged.sd-jwt'), '--offline', '--cache', cache),
    ).toContain('verdict: invalid (bad_signature)');
    process.exitCode = 0;
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../cli/main.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { signIn, UserAgent } from '../support/user-agent.ts';

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'yitong-cli-'));
  stack = await startLocalStack({
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
  it('creates a staff account on the running stack whose one-time password signs in', async () => {
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
    const callback = await signIn(new UserAgent(), `${tax}/login`, (u) => u.pathname === '/callback', {
      username: 'chen.hao',
      password,
    });
    expect(callback.searchParams.get('code')).toBeTruthy();
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
});

describe('yitong policy', () => {
  it('explains a decision about real accounts and clients of the running stack, naming the deciding policy', async () => {
    const allowed = await run(
      'policy',
      'explain',
      '--principal',
      'user:li.si',
      '--action',
      'login',
      '--resource',
      'client:staff-portal',
      '--zone',
      'intranet',
      '--loa',
      '2',
      '--data-dir',
      dataDir,
    );
    expect(allowed).toMatch(/^ALLOW Yitong::User::"[0-9a-f-]{36}" login Yitong::Client::"staff-portal"/);
    expect(allowed).toContain('permitted by zone-intranet-login');

    const stepUp = await run(
      'policy',
      'explain',
      '--principal',
      'user:li.si',
      '--action',
      'login',
      '--resource',
      'client:staff-portal',
      '--zone',
      'intranet',
      '--data-dir',
      dataDir,
    );
    expect(stepUp).toMatch(/^DENY .*\(default deny\)\n {2}would be allowed at loa 2 \(step-up\)/);

    const wrongZone = await run(
      'policy',
      'explain',
      '--principal',
      'user:wang.wu',
      '--action',
      'callApi',
      '--resource',
      'route:GET /audit/verify',
      '--zone',
      'extranet',
      '--loa',
      '3',
      '--data-dir',
      dataDir,
    );
    expect(wrongZone).toContain('forbidden by zone-api-entry');
    expect(wrongZone).toContain('@id("zone-api-entry")');
  });

  it('refuses an unknown principal with a message that says what is accepted', async () => {
    await expect(
      run(
        'policy',
        'explain',
        '--principal',
        'user:nobody',
        '--action',
        'login',
        '--resource',
        'client:tax-bureau',
        '--zone',
        'public',
        '--data-dir',
        dataDir,
      ),
    ).rejects.toThrow(/there is no account nobody/);
    await expect(
      run(
        'policy',
        'explain',
        '--principal',
        'who?',
        '--action',
        'login',
        '--resource',
        'client:tax-bureau',
        '--zone',
        'public',
        '--data-dir',
        dataDir,
      ),
    ).rejects.toThrow(/use user:<login>, client:<id>/);
  });

  it('runs the policy tests from the data files', async () => {
    const out = await run('policy', 'test');
    expect(out).toMatch(/\n(\d+) passed, 0 failed\n$/);
    expect(out).toContain('ok   a tax officer cannot issue another department');
  });
});

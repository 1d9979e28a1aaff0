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
    demoSites: { tax: 0, housing: 0 },
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

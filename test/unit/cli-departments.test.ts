import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../cli/main.ts';

const ISSUER = 'http://intranet.test';

describe('yitong departments', () => {
  let dir: string;
  let sent: { method: string; url: string; body: unknown }[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'yitong-cli-dept-'));
    await writeFile(
      join(dir, 'credentials.json'),
      JSON.stringify({
        [ISSUER]: { access_token: 'token', expires_at: Math.floor(Date.now() / 1000) + 600 },
      }),
    );
    vi.stubEnv('YITONG_CONFIG_DIR', dir);
    sent = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      sent.push({ method: String(init.method), url, body: JSON.parse(String(init.body)) });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    buildCli({ throwOnError: true }).parseAsync(['node', 'yitong', ...args, '--issuer', ISSUER]);

  it('sends the English name given with --name-en when adding a department', async () => {
    await run(
      'departments',
      'add',
      '--id',
      'water',
      '--name',
      '水务局',
      '--name-en',
      'Water Bureau',
      '--uscc',
      '11100000000000000X',
      '--zones',
      'public',
    );
    expect(sent).toEqual([
      {
        method: 'POST',
        url: `${ISSUER}/admin/departments`,
        body: {
          departmentId: 'water',
          name: '水务局',
          nameEn: 'Water Bureau',
          uscc: '11100000000000000X',
          zones: ['public'],
        },
      },
    ]);
  });

  it('leaves the English name out when --name-en is not given', async () => {
    await run('departments', 'add', '--id', 'water', '--name', '水务局', '--uscc', 'X', '--zones', 'public');
    expect(sent[0]?.body).not.toHaveProperty('nameEn');
  });

  it('changes only the English name with update --name-en', async () => {
    await run('departments', 'update', 'water', '--name-en', 'Water Affairs Bureau');
    expect(sent).toEqual([
      {
        method: 'PATCH',
        url: `${ISSUER}/admin/departments/water`,
        body: { nameEn: 'Water Affairs Bureau' },
      },
    ]);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/bundle.ts';

/** The `-c key=value` arguments of the deploy command docs/operations.md gives an operator. */
const documentedContext = (): string[] => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('## Deploy')))![1]!;
  const command = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .find((line) => line.startsWith('npx cdk deploy'))!;
  // Shell words: single quotes keep JSON whole.
  const words = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  const context: string[] = [];
  for (let i = 0; i < words.length; i++) if (words[i] === '-c') context.push('-c', words[++i]!);
  return context;
};

describe('docs/operations.md', () => {
  it('documents a deploy whose context values synthesize offline with cdk-nag clean', async () => {
    const context = documentedContext();
    expect(context.filter((w) => w !== '-c').map((w) => w.split('=')[0])).toEqual([
      'stackName',
      'extranetCidrs',
      'mailFrom',
      'alarmEmail',
      'domains',
    ]);
    const out = mkdtempSync(join(tmpdir(), 'yitong-synth-'));
    await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--output', out, ...context], {
      cwd: REPO_ROOT,
      // Offline: no credentials, so no account or region lookups (as on a build machine).
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|CDK_DEFAULT_)/.test(k))),
      timeout: 240_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    const template = JSON.parse(readFileSync(join(out, 'Yitong.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const domains = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGateway::DomainName');
    expect(domains.map((d) => d.Properties.DomainName).sort()).toEqual([
      'id.extranet.gov.example',
      'id.gov.example',
    ]);
    const extranet = domains.find((d) => d.Properties.DomainName === 'id.extranet.gov.example')!;
    expect(extranet.Properties.MutualTlsAuthentication).toEqual({
      TruststoreUri: 's3://yitong-truststore/extranet-ca.pem',
    });
    const subscriptions = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::SNS::Subscription',
    );
    expect(subscriptions.map((s) => s.Properties.Endpoint)).toEqual(['security-ops@gov.example']);
  }, 300_000);
});

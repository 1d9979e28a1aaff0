import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { YitongStack } from './stack.ts';

/** Context values, all optional: see docs/operations.md. */
const app = new App();
const list = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string' && value
      ? value.split(',').map((s) => s.trim())
      : [];
const json = (key: string) => {
  const value = app.node.tryGetContext(key);
  return typeof value === 'string' ? JSON.parse(value) : value;
};

new YitongStack(app, app.node.tryGetContext('stackName') ?? 'Yitong', {
  extranetCidrs: list(app.node.tryGetContext('extranetCidrs')),
  issuerUrls: json('issuerUrls'),
  domains: json('domains'),
  mailFrom: app.node.tryGetContext('mailFrom'),
  alarmEmail: app.node.tryGetContext('alarmEmail'),
  sms: app.node.tryGetContext('smsOriginationIdentity')
    ? {
        originationIdentity: app.node.tryGetContext('smsOriginationIdentity'),
        configurationSet: app.node.tryGetContext('smsConfigurationSet'),
        maxPrice: app.node.tryGetContext('smsMaxPrice'),
      }
    : undefined,
  auditArchiveDays: app.node.tryGetContext('auditArchiveDays')
    ? Number(app.node.tryGetContext('auditArchiveDays'))
    : undefined,
  accountClosingDays: app.node.tryGetContext('accountClosingDays')
    ? Number(app.node.tryGetContext('accountClosingDays'))
    : undefined,
  identitySource: app.node.tryGetContext('identitySourceUrl')
    ? { url: app.node.tryGetContext('identitySourceUrl') }
    : undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new ServerlessChecks(app, { verbose: true }),
);

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, routesOf, zonesOf } from '../../infra/routes.ts';
import { YitongStack } from '../../infra/stack.ts';
import { ZONES } from '../../libs/config/index.ts';

let stack: YitongStack;
let template: Template;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

const statementsOf = (t: Template): Statement[] =>
  Object.values(t.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const DATA_ACTION = /^(dynamodb|kms|secretsmanager|s3):/;
const CERTIFICATE = 'arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000';
const WRITE_ACTION = /dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|\*)/;
/** The statements of the policies attached to one function's role (by the role's logical id prefix). */
const statementsOfFunction = (t: Template, fn: string): Statement[] =>
  Object.entries(t.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter(([id]) => id.startsWith(fn))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const SMS_SENDER = 'arn:aws:sms-voice:eu-west-1:111122223333:phone-number/phone-0123456789abcdef0';
const DPOP_PROOFS_ONLY = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['dpop#*'] } };

beforeAll(() => {
  const app = new App();
  stack = new YitongStack(app, 'Test', {
    extranetCidrs: ['203.0.113.0/24'],
    mailFrom: 'no-reply@id.gov.example',
    sms: { originationIdentity: SMS_SENDER, configurationSet: 'yitong-sms', maxPrice: '0.10' },
    identitySource: { url: 'https://registry-gateway.gov.example', timeoutMs: 3000 },
    domains: {
      public: { name: 'id.gov.example', certificateArn: CERTIFICATE },
      extranet: {
        name: 'extranet.id.gov.example',
        certificateArn: CERTIFICATE,
        mtlsTruststoreUri: 's3://yitong-truststore/extranet.pem',
      },
    },
    env: { account: '111122223333', region: 'eu-west-1' },
    bundleDir: mkdtempSync(join(tmpdir(), 'yitong-bundles-')),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  // Synthesis fails if cdk-nag reports any finding that carries no acknowledgement.
  app.synth();
  template = Template.fromStack(stack);
});

describe('CDK stack', () => {
  it('synthesizes offline with cdk-nag clean', () => {
    expect(template.toJSON().Resources).toBeDefined();
  });

  it('has three tables, each encrypted with a customer key, with PITR, TTL and deletion protection', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('builds the identity table indexes from the shared definitions', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'byUid' }),
        Match.objectLike({ IndexName: 'byUserCode' }),
        Match.objectLike({ IndexName: 'byGrantKey', Projection: { ProjectionType: 'KEYS_ONLY' } }),
      ]),
    });
  });

  it('has three REST APIs, the intranet one PRIVATE behind a VPC endpoint', () => {
    template.resourceCountIs('AWS::ApiGateway::RestApi', 3);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'yitong-intranet',
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: [Match.anyValue()] },
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'yitong-public',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  });

  it('admits only the configured CIDRs to the extranet API', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'yitong-extranet',
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } },
          }),
        ]),
      },
    });
  });

  it('puts a WAF with a per-source rate rule in front of every zone', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Statement: { RateBasedStatement: Match.anyValue() } })]),
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 3);
  });

  it('has no IAM statement granting a data action on every resource', () => {
    const offending = statementsOf(template).filter(
      (s) =>
        s.Effect === 'Allow' &&
        s.Resource === '*' &&
        // ListStreams has no resource-level permissions in IAM; it reveals stream ARNs, no data.
        actionsOf(s).some((a) => DATA_ACTION.test(a) && a !== 'dynamodb:ListStreams'),
    );
    expect(offending).toEqual([]);
    expect(statementsOf(template).length).toBeGreaterThan(0);
  });

  it('lets nothing update or delete audit events', () => {
    const auditTable = stack.getLogicalId(stack.tables.audit.node.defaultChild as never);
    const touchesAudit = (s: Statement) => JSON.stringify(s.Resource).includes(auditTable);
    const destructive = statementsOf(template)
      .filter(touchesAudit)
      .filter((st) => {
        // Detection counters are the one thing on the table anyone may update.
        const counters = JSON.stringify((st as { Condition?: unknown }).Condition ?? {});
        return !counters.includes('"dynamodb:LeadingKeys":["detect#*"]');
      })
      .flatMap(actionsOf)
      .filter((a) => /dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|\*)/.test(a));
    expect(destructive).toEqual([]);
    const counterUpdates = statementsOf(template).filter(
      (st) => touchesAudit(st) && actionsOf(st).includes('dynamodb:UpdateItem'),
    );
    expect(counterUpdates.length).toBeGreaterThan(0);
    for (const st of counterUpdates) {
      // Counters only, and only their own attributes: an event's attributes would reach the indexes.
      expect((st as { Condition?: unknown }).Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['detect#*'] },
        'ForAllValues:StringEquals': {
          'dynamodb:Attributes': ['pk', 'sk', 'n', 'members', 'expiresAt', 'alerted'],
        },
      });
    }
    expect(statementsOf(template).filter(touchesAudit).flatMap(actionsOf)).toContain('dynamodb:PutItem');
  });

  it('lets event writers put only new events, and only the audit jobs put seals and checkpoints (#18)', () => {
    const auditTable = stack.getLogicalId(stack.tables.audit.node.defaultChild as never);
    const policies = Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>);
    const puts = policies.flatMap(([id, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter(
        (st) =>
          JSON.stringify(st.Resource).includes(auditTable) &&
          actionsOf(st).some((a) => /dynamodb:(PutItem|\*)/.test(a)),
      ).map((st) => ({ id, condition: (st as { Condition?: unknown }).Condition })),
    );
    expect(puts.length).toBeGreaterThan(5);
    // The 32 event partitions by name (two classes, 16 shards): nothing like `event#access#99`.
    const partitions = ['access', 'security'].flatMap((c) =>
      Array.from({ length: 16 }, (_, n) => `event#${c}#${n}`),
    );
    const eventsOnly = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': partitions } };
    const sealsOnly = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['seal#*', 'checkpoint'] } };
    for (const { id, condition } of puts) {
      if (/^Fnauditjobsintranet/.test(id)) expect([eventsOnly, sealsOnly]).toContainEqual(condition);
      else expect(condition, id).toEqual(eventsOnly);
    }
    const sealers = puts.filter((p) => JSON.stringify(p.condition) === JSON.stringify(sealsOnly));
    expect(sealers.map((p) => p.id).every((id) => /^Fnauditjobsintranet/.test(id))).toBe(true);
    expect(sealers).toHaveLength(1);
  });

  it('lets the audit functions (API and security console) read accounts but never write them', () => {
    const identity = stack.getLogicalId(stack.tables.identity.node.defaultChild as never);
    const writes = Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter(([id]) => /^Fnaudit(public|extranet|intranet)/.test(id))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((st) => JSON.stringify(st.Resource).includes(identity))
      // Recording DPoP proofs (dpop# keys only) is not writing accounts.
      .filter(
        (st) =>
          JSON.stringify((st as { Condition?: unknown }).Condition) !== JSON.stringify(DPOP_PROOFS_ONLY),
      )
      .flatMap(actionsOf);
    expect(writes).toContain('dynamodb:GetItem');
    expect(writes.filter((a) => /PutItem|UpdateItem|DeleteItem|BatchWriteItem/.test(a))).toEqual([]);
  });

  it('creates an ES256 signing key for each purpose in KMS, and one for ID and access tokens per zone', () => {
    template.resourcePropertiesCountIs(
      'AWS::KMS::Key',
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      6, // licence, status list, audit checkpoint, and an id-token key per zone
    );
  });

  it('lets only the appending functions put audit events', () => {
    const auditTable = stack.getLogicalId(stack.tables.audit.node.defaultChild as never);
    const writers = Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter(([, policy]) =>
        (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
          (st) =>
            JSON.stringify(st.Resource).includes(auditTable) && actionsOf(st).includes('dynamodb:PutItem'),
        ),
      )
      .map(([id]) => id.replace(/Role.*$/, ''));
    const expected = FUNCTIONS.filter((f) => f.auditWriter).flatMap((f) =>
      zonesOf(f).map((z) => `Fn${f.name.replaceAll('-', '')}${z}`),
    );
    expect(writers.sort()).toEqual(expected.sort());
  });

  const keyIdOf = (alias: string): string => {
    const found = Object.values(template.findResources('AWS::KMS::Alias') as Record<string, Resource>).find(
      (a) => a.Properties.AliasName === `alias/${alias}`,
    );
    if (!found) throw new Error(`no key with alias ${alias}`);
    return (found.Properties.TargetKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  };
  /** The functions whose roles the key's policy lets sign with it. */
  const signersOf = (alias: string) => {
    const key = (template.findResources('AWS::KMS::Key') as Record<string, Resource>)[keyIdOf(alias)]!;
    const statements = (key.Properties.KeyPolicy as { Statement: Array<Statement & { Principal: unknown }> })
      .Statement;
    // The account administers the key but holds neither kms:Sign nor kms:*.
    for (const st of statements) {
      if (JSON.stringify(st.Principal).includes(':root')) {
        expect(actionsOf(st).filter((a) => a === 'kms:Sign' || a === 'kms:*' || a === '*')).toEqual([]);
      }
    }
    return statements
      .filter((st) => actionsOf(st).includes('kms:Sign'))
      .map((st) => (st.Principal as { AWS: { 'Fn::GetAtt': [string, string] } }).AWS['Fn::GetAtt'][0])
      .map((role) => role.replace(/ServiceRole.*$|Role.*$/, ''))
      .sort();
  };

  it("lets only the signing functions sign: each key's policy names exactly their roles", () => {
    expect(signersOf('yitong-status-list')).toEqual([
      'Fnlicencesextranet',
      'Fnlicencesintranet',
      'Fnlicencespublic',
    ]);
    expect(signersOf('yitong-audit-checkpoint')).toEqual(['Fnauditjobsintranet']);
  });

  it('signs licences only in the zones that may issue them: the public licences function holds no kms:Sign', () => {
    expect(signersOf('yitong-licence')).toEqual(['Fnlicencesextranet', 'Fnlicencesintranet']);
    const licenceKey = keyIdOf('yitong-licence');
    const publicSigns = statementsOfFunction(template, 'Fnlicencespublic').filter(
      (st) => actionsOf(st).includes('kms:Sign') && JSON.stringify(st.Resource).includes(licenceKey),
    );
    expect(publicSigns).toEqual([]);
  });

  it("gives each zone its own id-token key, which only that zone's oidc function may sign with", () => {
    expect(() => keyIdOf('yitong-id-token')).toThrow(/no key/);
    const keys = ZONES.map((zone) => keyIdOf(`yitong-id-token-${zone}`));
    expect(new Set(keys).size).toBe(3);
    for (const zone of ZONES) expect(signersOf(`yitong-id-token-${zone}`)).toEqual([`Fnoidc${zone}`]);
  });

  it("points every function at its own zone's id-token key, and lets it read no other zone's", () => {
    const idTokenKeys = Object.fromEntries(ZONES.map((zone) => [zone, keyIdOf(`yitong-id-token-${zone}`)]));
    const functions = Object.entries(
      template.findResources('AWS::Lambda::Function') as Record<string, Resource>,
    );
    let checked = 0;
    for (const [id, fn] of functions) {
      const env = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      const zone = env?.ZONE as (typeof ZONES)[number] | undefined;
      if (!zone || !env?.KMS_KEY_ID_TOKEN) continue;
      checked += 1;
      expect(env.KMS_KEY_ID_TOKEN).toEqual({ 'Fn::GetAtt': [idTokenKeys[zone], 'Arn'] });
      const readable = statementsOfFunction(template, id)
        .filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')))
        .map((st) => JSON.stringify(st.Resource));
      for (const other of ZONES.filter((z) => z !== zone)) {
        expect(readable.filter((r) => r.includes(idTokenKeys[other]!))).toEqual([]);
      }
    }
    // oidc, authorizer and licences in every zone; admin and audit wherever they are deployed.
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  it('disables the execute-api endpoint of every API a custom domain fronts, so mTLS cannot be skipped', () => {
    for (const zone of ['public', 'extranet']) {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        Name: `yitong-${zone}`,
        DisableExecuteApiEndpoint: true,
      });
    }
    // The issuer is the domain, the only way in.
    expect(template.findOutputs('Issuerpublic').Issuerpublic!.Value).toBe('https://id.gov.example');
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'extranet.id.gov.example',
      MutualTlsAuthentication: { TruststoreUri: 's3://yitong-truststore/extranet.pem' },
    });
  });

  it('deploys the admin and audit functions outside the intranet without any write on identity or licences', () => {
    const writable = [
      stack.getLogicalId(stack.tables.identity.node.defaultChild as never),
      stack.getLogicalId(stack.tables.licences.node.defaultChild as never),
    ];
    for (const fn of ['Fnadminpublic', 'Fnadminextranet', 'Fnauditpublic', 'Fnauditextranet']) {
      const statements = statementsOfFunction(template, fn);
      expect(statements.length).toBeGreaterThan(0);
      const writes = statements.filter(
        (st) =>
          writable.some((table) => JSON.stringify(st.Resource).includes(table)) &&
          actionsOf(st).some((a) => WRITE_ACTION.test(a)) &&
          // Recording a DPoP proof's jti is the one write, and only under dpop# keys.
          JSON.stringify((st as { Condition?: unknown }).Condition) !== JSON.stringify(DPOP_PROOFS_ONLY),
      );
      expect({ fn, writes }).toEqual({ fn, writes: [] });
      expect(statements.filter((st) => actionsOf(st).includes('kms:Sign'))).toEqual([]);
    }
    // In its home zone the admin function still writes.
    expect(
      statementsOfFunction(template, 'Fnadminintranet').some((st) =>
        actionsOf(st).includes('dynamodb:PutItem'),
      ),
    ).toBe(true);
  });

  it('lets the token-checking functions record DPoP proofs only under dpop# keys of the identity table', () => {
    const identity = stack.getLogicalId(stack.tables.identity.node.defaultChild as never);
    for (const zone of ZONES) {
      for (const fn of [`Fnauthorizer${zone}`, `Fnaudit${zone}`, `Fnlicences${zone}`]) {
        const writes = statementsOfFunction(template, fn).filter(
          (st) =>
            JSON.stringify(st.Resource).includes(identity) && actionsOf(st).some((a) => WRITE_ACTION.test(a)),
        );
        expect(writes).toHaveLength(1);
        expect(actionsOf(writes[0]!)).toEqual(['dynamodb:PutItem']);
        expect((writes[0] as { Condition?: unknown }).Condition).toEqual(DPOP_PROOFS_ONLY);
      }
    }
  });

  it('lets only the functions that need a secret read it: the key policies name their roles, per secret', () => {
    const readers = (key: 'secrets' | 'totp') => {
      const id = stack.getLogicalId(stack.secretKeys[key].node.defaultChild as never);
      const statements = (
        (template.findResources('AWS::KMS::Key') as Record<string, Resource>)[id]!.Properties.KeyPolicy as {
          Statement: Array<
            Statement & { Principal: unknown; Condition?: Record<string, Record<string, unknown>> }
          >;
        }
      ).Statement;
      for (const st of statements) {
        if (JSON.stringify(st.Principal).includes(':root')) {
          expect(actionsOf(st).filter((a) => /^kms:(Decrypt|GenerateDataKey|\*)$|^\*$/.test(a))).toEqual([]);
        }
      }
      const bySecret = new Map<string, string[]>();
      for (const st of statements.filter((st) => actionsOf(st).includes('kms:Decrypt'))) {
        const role = (st.Principal as { AWS: { 'Fn::GetAtt': [string, string] } }).AWS[
          'Fn::GetAtt'
        ][0].replace(/ServiceRole.*$|Role.*$/, '');
        const names = st.Condition!.StringEquals!['kms:EncryptionContext:yitong_secret'] as string[];
        for (const name of names) bySecret.set(name, [...(bySecret.get(name) ?? []), role].sort());
      }
      return Object.fromEntries(bySecret);
    };
    const oidc = ['Fnoidcextranet', 'Fnoidcintranet', 'Fnoidcpublic'];
    // Only the issuers (they verify and enrol TOTP secrets) and the public account centre (it
    // replaces a person's authenticator app, issue #21) open TOTP secrets.
    expect(readers('totp')).toEqual({ 'totp-data-key': ['Fnaccountpublic', ...oidc].sort() });
    const secrets = readers('secrets');
    expect(secrets['pairwise-salt']).toEqual(oidc);
    // Password reset codes are keyed hashes: only the issuer, which makes and checks them.
    expect(secrets['reset-code-key']).toEqual(oidc);
    // Contact codes (a new email address or phone) likewise: only the account portal.
    expect(secrets['contact-code-key']).toEqual(['Fnaccountpublic']);
    // A portal's secret: the portal's function and its zone's issuer, nobody else.
    expect(secrets['account-client-secret']).toEqual(['Fnaccountpublic', 'Fnoidcpublic']);
    expect(secrets['admin-console-client-secret']).toEqual([
      'Fnadminextranet',
      'Fnadminintranet',
      'Fnadminpublic',
      'Fnoidcintranet',
    ]);
    expect(secrets['security-console-client-secret']).toEqual([
      'Fnauditextranet',
      'Fnauditintranet',
      'Fnauditpublic',
      'Fnoidcintranet',
    ]);
    // Cookie keys: the issuer and the portals; not licences, the authorizer or the audit jobs.
    expect(secrets['cookie-keys']).toEqual(
      [...oidc, 'Fnaccountpublic', 'Fnadminextranet', 'Fnadminintranet', 'Fnadminpublic']
        .concat(['Fnauditextranet', 'Fnauditintranet', 'Fnauditpublic'])
        .sort(),
    );
    // Resident ID numbers' keyed hashes: proofing (issuer, account portal), the counter (the admin
    // function of the intranet only), and issuance only where licences are issued.
    expect(secrets['identity-hash-key']).toEqual(
      [...oidc, 'Fnaccountpublic', 'Fnadminintranet']
        .concat(['Fnlicencesextranet', 'Fnlicencesintranet'])
        .sort(),
    );
    expect(Object.keys(secrets).sort()).toEqual([
      'account-client-secret',
      'admin-console-client-secret',
      'contact-code-key',
      'cookie-keys',
      'identity-hash-key',
      'pairwise-salt',
      'reset-code-key',
      'security-console-client-secret',
    ]);
    // And each function is told which secrets it may read, and with which key.
    const env = (id: string) =>
      (
        Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).find(
          ([k]) => k.startsWith(id),
        )![1].Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(env('Fnlicencespublic').SECRETS).toBeUndefined();
    expect(env('Fnlicencesextranet').SECRETS).toBe('identity-hash-key');
    expect(env('Fnlicencespublic').KMS_KEY_TOTP).toBeUndefined();
    expect(env('Fnoidcpublic').SECRETS).toBe(
      'cookie-keys,pairwise-salt,totp-data-key,reset-code-key,identity-hash-key,account-client-secret',
    );
    expect(env('Fnoidcpublic').KMS_KEY_TOTP).toBeDefined();
    expect(env('Fnaccountpublic').KMS_KEY_TOTP).toBeDefined();
    expect(env('Fnadminpublic').KMS_KEY_TOTP).toBeUndefined();
    // The identity source: only the functions that prove identities or look up companies ask it.
    expect(env('Fnaccountpublic').IDENTITY_SOURCE_URL).toBe('https://registry-gateway.gov.example');
    expect(env('Fnoidcpublic').IDENTITY_SOURCE_TIMEOUT_MS).toBe('3000');
    expect(env('Fnlicencesextranet').IDENTITY_SOURCE_URL).toBeUndefined();
    expect(env('Fnauditintranet').IDENTITY_SOURCE_URL).toBeUndefined();
  });

  it('streams every change of audit events, seals and checkpoints to the sealer and an Object Lock bucket (compliance mode)', () => {
    const auditTable = stack.getLogicalId(stack.tables.audit.node.defaultChild as never);
    expect(
      (template.toJSON().Resources[auditTable].Properties as { StreamSpecification: unknown })
        .StreamSpecification,
    ).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1095 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [auditTable, 'StreamArn'] },
      BisectBatchOnFunctionError: true,
      FilterCriteria: {
        // Every change of events, seals and checkpoints (inserts, changes and removals alike).
        Filters: ['event#', 'seal#', 'checkpoint'].map((prefix) => ({
          Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix }] } } } }),
        })),
      },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('signs a checkpoint of the audit chains every quarter hour', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Fnauditjobsintranet'), 'Arn'] } }),
      ],
    });
  });

  it('deletes closed accounts hourly from the public account function, with the default cooling-off', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Fnaccountpublic'), 'Arn'] } }),
      ],
    });
    // No accountClosingDays given: the function's own default (14 days) applies.
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const account = Object.entries(functions).find(([id]) => id.startsWith('Fnaccountpublic'));
    expect(account).toBeDefined();
    expect(JSON.stringify(account)).not.toContain('ACCOUNT_CLOSING_SECONDS');
  });

  it('watches itself: a dashboard, and alarms on 5xx, latency, throttles and security spikes that notify a topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    );
    const byMetric = (name: string) => alarms.filter((a) => a.Properties.MetricName === name);
    expect(byMetric('5XXError')).toHaveLength(3);
    expect(byMetric('Latency')).toHaveLength(3);
    expect(byMetric('Throttles')).toHaveLength(1);
    for (const metric of ['AccountLocked', 'PolicyDenied', 'LoginFailure']) {
      expect(byMetric(metric).map((a) => a.Properties.Namespace)).toEqual(['yitong', 'yitong', 'yitong']);
    }
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
    expect(alarms.every((a) => JSON.stringify(a.Properties.AlarmActions).includes(topic))).toBe(true);
  });

  it('delivers back-channel logout from a queue per zone, five attempts then a dead-letter queue that alarms', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue') as Record<string, Resource>);
    const main = queues.filter((q) => q.Properties.RedrivePolicy);
    expect(main).toHaveLength(3);
    for (const q of main) {
      expect(q.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 5 });
      expect(q.Properties.KmsMasterKeyId).toBeDefined();
    }
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>,
    ).filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('Backchannel'));
    expect(mappings).toHaveLength(3);
    for (const m of mappings) {
      expect(JSON.stringify(m.Properties.FunctionName)).toMatch(/Fnoidc(public|extranet|intranet)/);
      expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
    // The account portal ends agents' company sessions: it sends to its zone's queue, never consumes it.
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const account = Object.entries(functions).find(([id]) => id.startsWith('Fnaccountpublic'))!;
    const env = (account[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(env.BACKCHANNEL_QUEUE_URL)).toMatch(/Backchannelpublic/);
    const sends = Object.values(
      template.findResources('AWS::IAM::Policy') as Record<string, Resource>,
    ).filter(
      (p) =>
        JSON.stringify(p.Properties.Roles).includes('Fnaccountpublic') &&
        JSON.stringify(p.Properties.PolicyDocument).includes('sqs:SendMessage'),
    );
    expect(sends).toHaveLength(1);
    expect(JSON.stringify(sends[0]!.Properties.PolicyDocument)).not.toContain('sqs:ReceiveMessage');
    // The help desk (the admin function, intranet only) ends people's sessions and notifies them
    // through the intranet's queue; the read-only public and extranet copies get no queue.
    const adminEnv = (zone: string) =>
      (
        Object.entries(functions).find(([id]) => id.startsWith(`Fnadmin${zone}`))![1].Properties
          .Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(JSON.stringify(adminEnv('intranet').BACKCHANNEL_QUEUE_URL)).toMatch(/Backchannelintranet/);
    expect(adminEnv('public').BACKCHANNEL_QUEUE_URL).toBeUndefined();
    expect(adminEnv('extranet').BACKCHANNEL_QUEUE_URL).toBeUndefined();
    const adminSends = (zone: string) =>
      Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter(
        (p) =>
          JSON.stringify(p.Properties.Roles).includes(`Fnadmin${zone}`) &&
          JSON.stringify(p.Properties.PolicyDocument).includes('sqs:SendMessage'),
      );
    expect(adminSends('intranet')).toHaveLength(1);
    expect(JSON.stringify(adminSends('intranet')[0]!.Properties.PolicyDocument)).not.toContain(
      'sqs:ReceiveMessage',
    );
    expect(adminSends('public')).toHaveLength(0);
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    );
    expect(
      alarms.filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible'),
    ).toHaveLength(5); // three back-channel dead-letter queues, the audit archive's and the closing sweep's
  });

  it('keeps the logical ids of everything that holds data, keys or an address', () => {
    // A changed logical id makes CloudFormation replace the resource: a new table, key or API
    // (data and endpoints gone). The constructs regroup the stack, so pin the ids it must keep.
    const STATEFUL = [
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
      'AWS::S3::Bucket',
      'AWS::ApiGateway::RestApi',
      'AWS::ApiGateway::DomainName',
      'AWS::SQS::Queue',
      'AWS::EC2::VPC',
      'AWS::EC2::VPCEndpoint',
      'AWS::WAFv2::WebACL',
    ];
    const ids = Object.entries(template.toJSON().Resources as Record<string, { Type: string }>)
      .filter(([, r]) => STATEFUL.includes(r.Type))
      .map(([id, r]) => `${r.Type} ${id}`)
      .sort();
    expect(ids).toEqual(PINNED_LOGICAL_IDS);
  });

  it('stays well inside the 500-resource CloudFormation limit', () => {
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThan(420);
  });

  it('deploys each function once per zone it serves on Node 24, ARM64, with tracing', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: Match.objectLike({ ZONE: Match.anyValue(), ISSUER: Match.anyValue() }) },
      },
      FUNCTIONS.reduce((n, fn) => n + zonesOf(fn).length, 0),
    );
    for (const zone of ['public', 'extranet', 'intranet']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ ZONE: zone }) },
      });
    }
  });

  it('lets the oidc functions send mail only from the configured address', () => {
    const ses = statementsOf(template).filter((s) => actionsOf(s).includes('ses:SendEmail'));
    expect(ses).toHaveLength(3);
    for (const s of ses) expect(JSON.stringify(s)).toContain('no-reply@id.gov.example');
  });

  it('lets only the oidc functions (the queue consumers) send SMS, from the configured origination identity', () => {
    const sms = statementsOf(template).filter((s) => actionsOf(s).some((a) => a.startsWith('sms-voice:')));
    expect(sms).toHaveLength(3);
    for (const s of sms) {
      expect(actionsOf(s)).toEqual(['sms-voice:SendTextMessage']);
      const resources = JSON.stringify(s.Resource);
      expect(resources).toContain(SMS_SENDER);
      expect(resources).toContain(':configuration-set/yitong-sms');
      expect(resources).not.toContain('*');
    }
    expect(statementsOfFunction(template, 'Fnaccountpublic').flatMap(actionsOf)).not.toContain(
      'sms-voice:SendTextMessage',
    );
    // The account portal knows SMS are offered (it offers a phone), and hands them to the queue.
    const lambdas = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const account = Object.entries(lambdas).find(([id]) => id.startsWith('Fnaccountpublic'))![1];
    expect(JSON.stringify(account.Properties.Environment)).toContain(SMS_SENDER);
  });

  it('routes every route of the route table in each zone it lists, and nothing else', () => {
    const routes = ZONES.reduce((n, zone) => n + routesOf(zone).length, 0);
    template.resourceCountIs('AWS::ApiGateway::Method', routes);
  });

  it('deploys the authorizer in every zone without routes, and outputs its ARN for departments', () => {
    const outputs = Object.entries(template.findOutputs('*')).filter(([id]) =>
      id.startsWith('Attachableauthorizer'),
    );
    expect(outputs.map(([id]) => id).sort()).toEqual(ZONES.map((z) => `Attachableauthorizer${z}`).sort());
    for (const [, output] of outputs) expect(JSON.stringify(output.Value)).toContain('Fnauthorizer');
  });
});

/** The logical ids of the stateful resources as deployed (see the test that pins them). */
const PINNED_LOGICAL_IDS: readonly string[] = [
  'AWS::ApiGateway::DomainName DomainextranetCBF365D9',
  'AWS::ApiGateway::DomainName Domainpublic3CA2E0E8',
  'AWS::ApiGateway::RestApi Apiextranet9D89DC24',
  'AWS::ApiGateway::RestApi Apiintranet15683323',
  'AWS::ApiGateway::RestApi Apipublic15DAF0A4',
  'AWS::DynamoDB::Table AuditTableB07F8EEB',
  'AWS::DynamoDB::Table IdentityTableA085AC59',
  'AWS::DynamoDB::Table LicencesTableE449FD2F',
  'AWS::EC2::VPC IntranetVpc23620A19',
  'AWS::EC2::VPCEndpoint IntranetVpcExecuteApi7A7CD0C2',
  'AWS::KMS::Key DataKey17AFBB84',
  'AWS::KMS::Key SecretsKey317DCF94',
  'AWS::KMS::Key SigningKeyauditcheckpoint5DDBF43E',
  'AWS::KMS::Key SigningKeyidtokenextranet549ECDC9',
  'AWS::KMS::Key SigningKeyidtokenintranetFDCABFC1',
  'AWS::KMS::Key SigningKeyidtokenpublicC2E185E5',
  'AWS::KMS::Key SigningKeylicence4794AD66',
  'AWS::KMS::Key SigningKeystatuslist52BBE8A7',
  'AWS::KMS::Key TotpKey103FF508',
  'AWS::S3::Bucket AuditArchive60EBC247',
  'AWS::S3::Bucket AuditArchiveAccessLogsB1E96488',
  'AWS::SQS::Queue AccountClosingSweepDeadLetters70ACD5A2',
  'AWS::SQS::Queue AuditArchiveDeadLetters8A7C1529',
  'AWS::SQS::Queue BackchannelDeadLettersextranetC0CA04B2',
  'AWS::SQS::Queue BackchannelDeadLettersintranetFD7E866D',
  'AWS::SQS::Queue BackchannelDeadLetterspublic7B3A9460',
  'AWS::SQS::Queue Backchannelextranet1B5B48A8',
  'AWS::SQS::Queue BackchannelintranetADE5549D',
  'AWS::SQS::Queue Backchannelpublic4544B7BA',
  'AWS::WAFv2::WebACL WebAcl',
];

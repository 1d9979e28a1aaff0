/**
 * Demo data for local mode only: accounts, department clients and a resource server. It is
 * never deployed (nothing under infra/local is bundled into a function).
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Account, AccountStore, newTotpSecret, type Role } from '../../libs/accounts/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { getClient, OidcRegistry, putClient } from '../../libs/oidc/index.ts';

export interface DemoAccount {
  readonly loginName: string;
  readonly password: string;
  readonly displayName: string;
  readonly description: string;
  readonly totpSecret?: string;
}

interface DemoAccountSpec {
  readonly loginName: string;
  readonly password: string;
  readonly displayName: string;
  readonly description: string;
  readonly kind: Account['kind'];
  readonly roles: readonly Role[];
  readonly department?: string;
  readonly totp: boolean;
}

/** Demo logins, listed in the README. Local mode only. */
export const DEMO_ACCOUNTS: readonly DemoAccountSpec[] = [
  {
    loginName: 'zhang.san',
    password: 'demo-citizen-2026',
    displayName: '张三 Zhang San',
    description: 'citizen',
    kind: 'citizen',
    roles: ['citizen'],
    totp: false,
  },
  {
    loginName: 'li.si',
    password: 'demo-staff-2026',
    displayName: '李四 Li Si',
    description: 'civil servant (TOTP)',
    kind: 'staff',
    roles: ['staff', 'department-officer'],
    department: 'tax',
    totp: true,
  },
  {
    loginName: 'wang.wu',
    password: 'demo-auditor-2026',
    displayName: '王五 Wang Wu',
    description: 'auditor (TOTP)',
    kind: 'staff',
    roles: ['staff', 'auditor'],
    totp: true,
  },
  {
    loginName: 'zhao.liu',
    password: 'demo-admin-2026',
    displayName: '赵六 Zhao Liu',
    description: 'administrator (TOTP)',
    kind: 'staff',
    roles: ['staff', 'admin'],
    totp: true,
  },
];

export interface DemoClientSpec {
  readonly clientId: string;
  readonly name: string;
  readonly zone: Zone;
  readonly department: string;
  readonly siteUrl: string;
  readonly requiredAcr?: string;
}

/** Creates the demo accounts that do not exist yet; returns every demo login with its TOTP secret. */
export const seedDemoAccounts = async (
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<DemoAccount[]> => {
  const store = new AccountStore(doc, table);
  const out: DemoAccount[] = [];
  for (const spec of DEMO_ACCOUNTS) {
    let account = await store.findByLoginName(spec.loginName);
    if (!account) {
      account = await store.create({ ...spec, identityAssurance: 'verified' });
      if (spec.totp) {
        account = await store.update(account, {
          totp: {
            secret: newTotpSecret(),
            enabledAt: new Date().toISOString(),
            lastStep: 0,
            recoveryCodes: [],
          },
        });
      }
    }
    out.push({ ...spec, totpSecret: account.totp?.secret });
  }
  return out;
};

/**
 * Registers a demo department site as a confidential client (client_secret_basic), keeping
 * its secret across restarts; redirect URIs follow the site's current URL.
 */
export const seedDemoClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  spec: DemoClientSpec,
): Promise<string> => {
  const existing = await getClient(doc, table, spec.clientId);
  const secret =
    typeof existing?.client_secret === 'string'
      ? existing.client_secret
      : randomBytes(32).toString('base64url');
  await putClient(doc, table, {
    client_id: spec.clientId,
    client_secret: secret,
    client_name: spec.name,
    redirect_uris: [`${spec.siteUrl}/callback`],
    post_logout_redirect_uris: [`${spec.siteUrl}/`],
    backchannel_logout_uri: `${spec.siteUrl}/backchannel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    subject_type: 'pairwise',
    yitong_zone: spec.zone,
    yitong_department: spec.department,
    ...(spec.requiredAcr ? { yitong_required_acr: spec.requiredAcr } : {}),
  });
  return secret;
};

export const seedDemoResourceServers = async (
  doc: DynamoDBDocumentClient,
  table: string,
  taxSiteUrl: string,
) => {
  await new OidcRegistry(doc, table).putResourceServer({
    audience: `${taxSiteUrl}/api`,
    name: 'Tax Bureau filing API',
    department: 'tax',
    scopes: ['tax:read', 'tax:file'],
    accessTokenTtl: 600,
    routes: {
      'GET /filings': { scope: 'tax:read' },
      'POST /filings': { scope: 'tax:file', minLoa: 2 },
    },
  });
};

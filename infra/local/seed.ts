/**
 * Demo data for local mode only: accounts, department clients and a resource server. It is
 * never deployed (nothing under infra/local is bundled into a function).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type Account,
  AccountStore,
  newTotpSecret,
  type Role,
  type TotpVault,
} from '../../libs/accounts/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { DepartmentExistsError, DepartmentStore } from '../../libs/departments/index.ts';
import type { Keyring } from '../../libs/keys/index.ts';
import { readOrCreateSecretFile } from '../../libs/keys/index.ts';
import {
  type HolderRefs,
  type IssueRequest,
  LicenceService,
  type LicenceTypeInput,
  LicenceTypeStore,
} from '../../libs/licences/index.ts';
import { claimClientName, OidcRegistry, putClient } from '../../libs/oidc/index.ts';
import { DEMO_COMPANIES, DEMO_RESIDENTS, type DemoResident } from './registry-twin.ts';

export interface DemoAccount {
  readonly accountId: string;
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
    loginName: 'chen.ming',
    password: 'demo-company-2026',
    displayName: '陈明 Chen Ming',
    description: 'citizen, not yet proved; legal representative of 示例科技有限公司',
    kind: 'citizen',
    roles: ['citizen'],
    totp: false,
  },
  {
    loginName: 'liu.fang',
    password: 'demo-agent-2026',
    displayName: '刘芳 Liu Fang',
    description: 'citizen, not yet proved; can be made an agent (经办人)',
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
  {
    loginName: 'sun.qi',
    password: 'demo-officer-2026',
    displayName: '孙七 Sun Qi',
    description: 'identity officer: counter verification (TOTP)',
    kind: 'staff',
    roles: ['staff', 'identity-officer'],
    totp: true,
  },
  {
    loginName: 'zhou.ba',
    password: 'demo-support-2026',
    displayName: '周八 Zhou Ba',
    description: 'help desk: finds people, unlocks, resets a lost second factor after a re-check (TOTP)',
    kind: 'staff',
    roles: ['staff', 'support'],
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
  /** People may act for a company they represent there (`yitong_accepts_companies`). */
  readonly acceptsCompanies?: boolean;
}

/** Creates the demo accounts that do not exist yet; returns every demo login with its TOTP secret. */
export const seedDemoAccounts = async (
  doc: DynamoDBDocumentClient,
  table: string,
  vault: TotpVault,
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
            sealedSecret: await vault.seal(account.id, newTotpSecret()),
            enabledAt: new Date().toISOString(),
            lastStep: 0,
            recoveryCodes: [],
          },
        });
      }
    }
    // Local mode prints the demo logins' TOTP secrets: it holds the dev data key.
    out.push({ ...spec, accountId: account.id, totpSecret: await vault.secretOf(account, store) });
  }
  return out;
};

/** Where local mode keeps the demo clients' secrets (the store holds only their hashes). */
export const demoClientSecretsFile = (keysDir: string) => join(keysDir, 'demo-client-secrets.json');
const DemoClientSecrets = z.record(z.string(), z.string());

/** A demo client's secret: the one it already has (restarts keep it), or a new random one. */
const keptSecret = async (keysDir: string, clientId: string): Promise<string> => {
  const file = demoClientSecretsFile(keysDir);
  const secrets: Record<string, string> = await readOrCreateSecretFile(file, DemoClientSecrets, () => ({}));
  const kept = secrets[clientId];
  if (kept) return kept;
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, JSON.stringify({ ...secrets, [clientId]: secret }, null, 2), { mode: 0o600 });
  return secret;
};

/**
 * Registers a demo department site as a confidential client (client_secret_basic), keeping
 * its secret across restarts; redirect URIs follow the site's current URL.
 */
export const seedDemoClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  keysDir: string,
  spec: DemoClientSpec,
): Promise<string> => {
  const secret = await keptSecret(keysDir, spec.clientId);
  await claimClientName(doc, table, spec.department, spec.name, spec.clientId);
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
    ...(spec.acceptsCompanies ? { yitong_accepts_companies: true } : {}),
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

/** Unified social credit codes of the demo departments (valid check characters; fictitious). */
export const DEMO_DEPARTMENTS = {
  market: { name: '市场监督管理局', nameEn: 'Market Regulation Bureau', uscc: '11100000000013127D' },
  transport: { name: '交通管理局', nameEn: 'Traffic Administration', uscc: '11100000000019713D' },
  hr: { name: '人力资源和社会保障局', nameEn: 'Human Resources Bureau', uscc: '11100000000014071H' },
  tax: { name: '税务局', nameEn: 'Tax Bureau', uscc: '111000000000184210' },
  housing: { name: '住房公积金管理中心', nameEn: 'Housing Fund', uscc: '111000000000177546' },
  'general-office': { name: '办公厅', nameEn: 'General Office', uscc: '11100000000010001D' },
} as const;

/** Zones each demo department may register clients in. */
const DEMO_DEPARTMENT_ZONES: Readonly<Record<keyof typeof DEMO_DEPARTMENTS, readonly Zone[]>> = {
  market: ['extranet', 'intranet'],
  transport: ['extranet', 'intranet'],
  hr: ['extranet', 'intranet'],
  tax: ['public', 'extranet'],
  housing: ['public'],
  'general-office': ['intranet'],
};

/** Registers the demo departments (once; a later start finds them). */
export const seedDemoDepartments = async (doc: DynamoDBDocumentClient, table: string): Promise<void> => {
  const store = new DepartmentStore(doc, table);
  for (const [departmentId, d] of Object.entries(DEMO_DEPARTMENTS)) {
    if (await store.get(departmentId)) continue;
    try {
      await store.create({
        departmentId,
        name: d.name,
        nameEn: d.nameEn,
        uscc: d.uscc,
        zones: [...DEMO_DEPARTMENT_ZONES[departmentId as keyof typeof DEMO_DEPARTMENTS]],
      });
    } catch (err: unknown) {
      if (!(err instanceof DepartmentExistsError)) throw err;
    }
  }
};

const label = (en: string, zh: string) => ({ en, 'zh-CN': zh });

/** The three licence types local mode starts with, one per issuing department. */
export const DEMO_LICENCE_TYPES: readonly LicenceTypeInput[] = [
  {
    typeId: 'business-licence',
    name: label('Business licence', '营业执照'),
    description: label(
      'Licence to trade, issued on registration of a business',
      '企业登记注册后核发的营业执照',
    ),
    department: 'market',
    issuerCode: DEMO_DEPARTMENTS.market.uscc,
    typeCode: `${DEMO_DEPARTMENTS.market.uscc}001`,
    validityDays: 3650,
    claims: [
      { name: 'company_name', label: label('Company name', '名称'), type: 'string', disclosable: false },
      {
        name: 'company_uscc',
        label: label('Unified social credit code', '统一社会信用代码'),
        type: 'string',
        pattern: '[0-9A-HJ-NPQRTUWXY]{18}',
        disclosable: false,
      },
      {
        name: 'legal_representative',
        label: label('Legal representative', '法定代表人'),
        type: 'string',
        disclosable: true,
      },
      {
        name: 'registered_address',
        label: label('Registered address', '住所'),
        type: 'string',
        disclosable: true,
      },
      {
        name: 'business_scope',
        label: label('Business scope', '经营范围'),
        type: 'string',
        maxLength: 500,
        disclosable: false,
      },
      {
        name: 'established',
        label: label('Date of establishment', '成立日期'),
        type: 'date',
        disclosable: false,
      },
    ],
    ageOver: [],
  },
  {
    typeId: 'driving-permit',
    name: label('Driving permit', '机动车驾驶证'),
    department: 'transport',
    issuerCode: DEMO_DEPARTMENTS.transport.uscc,
    typeCode: `${DEMO_DEPARTMENTS.transport.uscc}002`,
    validityDays: 2190,
    claims: [
      { name: 'family_name', label: label('Family name', '姓'), type: 'string', disclosable: true },
      { name: 'given_name', label: label('Given name', '名'), type: 'string', disclosable: true },
      { name: 'birth_date', label: label('Date of birth', '出生日期'), type: 'date', disclosable: true },
      {
        name: 'id_number',
        label: label('ID card number', '身份证号码'),
        type: 'string',
        pattern: '\\d{17}[\\dX]',
        disclosable: true,
      },
      { name: 'address', label: label('Address', '住址'), type: 'string', disclosable: true },
      {
        name: 'vehicle_classes',
        label: label('Vehicle classes', '准驾车型'),
        type: 'string',
        maxLength: 20,
        disclosable: false,
      },
    ],
    ageOver: [18],
  },
  {
    typeId: 'professional-qualification',
    name: label('Professional qualification certificate', '专业技术人员职业资格证书'),
    department: 'hr',
    issuerCode: DEMO_DEPARTMENTS.hr.uscc,
    typeCode: `${DEMO_DEPARTMENTS.hr.uscc}003`,
    validityDays: 36_500,
    claims: [
      { name: 'holder_name', label: label('Name', '姓名'), type: 'string', disclosable: true },
      {
        name: 'id_number',
        label: label('ID card number', '身份证号码'),
        type: 'string',
        pattern: '\\d{17}[\\dX]',
        disclosable: true,
      },
      {
        name: 'qualification',
        label: label('Qualification', '资格名称'),
        type: 'string',
        disclosable: false,
      },
      { name: 'level', label: label('Level', '级别'), type: 'string', disclosable: false },
      { name: 'awarded', label: label('Date awarded', '批准日期'), type: 'date', disclosable: false },
    ],
    ageOver: [],
  },
];

/** Registers the demo licence types (a no-op when unchanged). */
export const seedDemoLicenceTypes = async (doc: DynamoDBDocumentClient, table: string, issuer: string) => {
  const store = new LicenceTypeStore(doc, table, issuer);
  for (const type of DEMO_LICENCE_TYPES) await store.put(type);
};

export interface DemoMachineClient {
  readonly clientId: string;
  readonly secret: string;
  readonly department: string;
  readonly zone: Zone;
}

/**
 * A department's machine client (client credentials, client_secret_basic) for licence
 * issuance from the extranet, granted yitong's licence API (as an administrator grants it:
 * `yitong clients grant <id> --resource licences`); its secret is kept across restarts.
 */
export const seedMachineClient = async (
  doc: DynamoDBDocumentClient,
  table: string,
  keysDir: string,
  clientId: string,
  department: string,
): Promise<DemoMachineClient> => {
  const secret = await keptSecret(keysDir, clientId);
  await claimClientName(doc, table, department, `${department} registry (machine client)`, clientId);
  await putClient(doc, table, {
    client_id: clientId,
    client_secret: secret,
    client_name: `${department} registry (machine client)`,
    redirect_uris: [],
    response_types: [],
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
    yitong_zone: 'extranet',
    yitong_department: department,
    yitong_resources: ['licences'],
  });
  return { clientId, secret, department, zone: 'extranet' };
};

/** The licence-issuing demo departments' machine clients. */
export const DEMO_MACHINE_CLIENTS = [
  { clientId: 'market-registry', department: 'market' },
  { clientId: 'transport-registry', department: 'transport' },
  { clientId: 'hr-registry', department: 'hr' },
] as const;

const resident = (loginOrName: string): DemoResident =>
  DEMO_RESIDENTS.find((r) => r.loginName === loginOrName || r.nameEn === loginOrName)!;
const birthDateOf = (residentId: string) =>
  `${residentId.slice(6, 10)}-${residentId.slice(10, 12)}-${residentId.slice(12, 14)}`;

/** The demo citizen 张三's resident ID number (the registry twin's): demo licences are issued to it. */
export const DEMO_ZHANG_SAN_ID = resident('zhang.san').residentId;

/** The demo citizen's driving permit (fictitious data; also the benchmarks' and tests' sample). */
export const DEMO_DRIVING_PERMIT_CLAIMS = {
  family_name: '张',
  given_name: '三',
  birth_date: birthDateOf(DEMO_ZHANG_SAN_ID),
  id_number: DEMO_ZHANG_SAN_ID,
  address: '北京市西城区西长安街 1 号',
  vehicle_classes: 'C1',
} as const;

/**
 * The demo licences, issued to identities (never to login names): 张三's driving permit and
 * qualification (his wallet shows them once he proves his identity), a qualification for 周杰,
 * who has no account yet (he sees it after registering and proving), and the business licence
 * of the first demo company (its legal representative and its agents see it).
 */
export const DEMO_LICENCES: ReadonlyArray<{
  readonly key: string;
  readonly caller: string;
  readonly request: IssueRequest;
}> = [
  {
    key: 'demo-id-zhang-san-driving-permit',
    caller: 'transport-registry',
    request: {
      type: 'driving-permit',
      holder: { residentId: DEMO_ZHANG_SAN_ID },
      claims: DEMO_DRIVING_PERMIT_CLAIMS,
    },
  },
  {
    key: 'demo-id-zhang-san-qualification',
    caller: 'hr-registry',
    request: {
      type: 'professional-qualification',
      holder: { residentId: DEMO_ZHANG_SAN_ID },
      claims: {
        holder_name: '张三',
        id_number: DEMO_ZHANG_SAN_ID,
        qualification: '注册会计师 Certified public accountant',
        level: '中级 Intermediate',
        awarded: '2018-09-01',
      },
    },
  },
  {
    key: 'demo-id-zhou-jie-qualification',
    caller: 'hr-registry',
    request: {
      type: 'professional-qualification',
      holder: { residentId: resident('Zhou Jie').residentId },
      claims: {
        holder_name: '周杰',
        id_number: resident('Zhou Jie').residentId,
        qualification: '一级建造师 Constructor (first class)',
        level: '高级 Senior',
        awarded: '2021-06-18',
      },
    },
  },
  {
    key: 'demo-id-company-business-licence',
    caller: 'market-registry',
    request: {
      type: 'business-licence',
      holder: { uscc: DEMO_COMPANIES[0]!.uscc },
      claims: {
        company_name: DEMO_COMPANIES[0]!.name,
        company_uscc: DEMO_COMPANIES[0]!.uscc,
        legal_representative: DEMO_RESIDENTS.find(
          (r) => r.residentId === DEMO_COMPANIES[0]!.legalRepresentative,
        )!.name,
        registered_address: '北京市海淀区中关村大街 27 号',
        business_scope: '软件开发；信息技术咨询服务 Software development; IT consulting',
        established: '2016-04-12',
      },
    },
  },
];

/**
 * Issues the demo licences once (the idempotency keys make restarts no-ops). `holders` makes a
 * person's holder reference with the stack's identity hash key, as the licences function does.
 */
export const seedDemoLicences = async (
  doc: DynamoDBDocumentClient,
  tables: Readonly<Record<'licences', string>>,
  keyring: Keyring,
  issuer: string,
  holders: HolderRefs,
): Promise<void> => {
  const service = new LicenceService({ doc, table: tables.licences, issuer, keyring, holders });
  for (const licence of DEMO_LICENCES) {
    const type = await service.typeFor(licence.request.type);
    await service.issue(
      licence.request,
      licence.key,
      { id: licence.caller, department: type.department },
      type,
    );
  }
};

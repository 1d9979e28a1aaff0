import { loaOfAcr } from '../../packages/access/src/index.ts';
import type { CedarEntity, CedarUid, CedarValue, RequestContext } from './engine.ts';
import { uid } from './engine.ts';

/** Entity builders: the only place our stored shapes become Cedar entities. */

const ref = (u: CedarUid): CedarValue => ({ __entity: { type: u.type, id: u.id } });

export const departmentUid = (id: string) => uid('Department', id);
export const roleUid = (id: string) => uid('Role', id);

export const departmentEntity = (id: string, name = id): CedarEntity => ({
  uid: departmentUid(id),
  attrs: { name },
  parents: [],
});

const roleEntities = (roles: readonly string[]): CedarEntity[] =>
  roles.map((role) => ({ uid: roleUid(role), attrs: {}, parents: [] }));

/** The account fields a decision needs (a subset of libs/accounts' Account). */
export interface PolicyAccount {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly roles: readonly string[];
  readonly department?: string;
  readonly identityAssurance: string;
  /** Identity assurance level: 1 self-asserted, 2 verified remotely, 3 in person (libs/accounts `ialOf`). */
  readonly ial: number;
  /** Epoch seconds until which the account is locked (0: not locked). */
  readonly lockedUntil?: number;
  /** A one-time password not yet changed, or a second factor not yet enrolled. */
  readonly mustChangePassword?: boolean;
  readonly mustEnrolSecondFactor?: boolean;
}

/** A person: their roles and department are parents, so `principal in Role::"staff"` works. */
export const userEntities = (account: PolicyAccount, nowMs = Date.now()): CedarEntity[] => {
  const self = uid('User', account.id);
  const parents = [
    ...account.roles.map(roleUid),
    ...(account.department ? [departmentUid(account.department)] : []),
  ];
  return [
    {
      uid: self,
      attrs: {
        kind: account.kind,
        status: account.status,
        locked: (account.lockedUntil ?? 0) * 1000 > nowMs,
        setupPending: account.mustChangePassword === true || account.mustEnrolSecondFactor === true,
        identityAssurance: account.identityAssurance,
        ial: account.ial,
        ...(account.department ? { department: ref(departmentUid(account.department)) } : {}),
      },
      parents,
    },
    ...roleEntities(account.roles),
    ...(account.department ? [departmentEntity(account.department)] : []),
  ];
};

/** Client metadata as stored (RFC 7591 names plus yitong's own). */
export interface PolicyClient {
  readonly client_id: string;
  readonly yitong_zone?: string;
  readonly yitong_department?: string;
  readonly yitong_required_acr?: string;
  readonly yitong_required_ial?: string;
  readonly yitong_disabled?: boolean;
  readonly yitong_accepts_companies?: boolean;
}

// Policies decide and import no identity code (bundles that decide stay small): the URI is
// read here as libs/identity's parseIal reads it.
const ialOfUri = (uri: unknown): number => {
  const match = typeof uri === 'string' ? /^urn:yitong:ial:([123])$/.exec(uri) : null;
  return match ? Number(match[1]) : 1;
};

export const clientEntities = (client: PolicyClient): CedarEntity[] => {
  const department = client.yitong_department;
  return [
    {
      uid: uid('Client', client.client_id),
      attrs: {
        zone: client.yitong_zone ?? 'unknown',
        requiredLoa: Math.max(1, loaOfAcr(client.yitong_required_acr)),
        requiredIal: ialOfUri(client.yitong_required_ial),
        disabled: client.yitong_disabled === true,
        acceptsCompanies: client.yitong_accepts_companies === true,
        ...(department ? { department: ref(departmentUid(department)) } : {}),
      },
      parents: department ? [departmentUid(department)] : [],
    },
    ...(department ? [departmentEntity(department)] : []),
  ];
};

export const anonymousEntities = (): CedarEntity[] => [
  { uid: uid('Anonymous', 'anonymous'), attrs: {}, parents: [] },
];

export const licenceTypeEntities = (vct: string, department: string): CedarEntity[] => [
  {
    uid: uid('LicenceType', vct),
    attrs: { department: ref(departmentUid(department)) },
    parents: [departmentUid(department)],
  },
  departmentEntity(department),
];

/**
 * `identity-counter`: the intranet pages where identity officers verify people in person;
 * `help-desk`: the intranet pages where support staff help people back into their accounts.
 */
export type RouteArea = 'admin' | 'audit' | 'licences' | 'department-api' | 'identity-counter' | 'help-desk';

/** Areas of console pages only: no API, so no scope. */
type PageArea = 'identity-counter' | 'help-desk';

/**
 * yitong's own APIs (resource indicator `<issuer>/<area>`) and the scope each requires of a
 * token (policies/scopes.cedar), besides role, level and zone.
 */
export const OWN_API_SCOPES = {
  admin: 'admin',
  audit: 'audit:read',
  licences: 'licences:issue',
} as const satisfies Record<Exclude<RouteArea, 'department-api' | PageArea>, string>;

/** The scope a route requires of a token: its own scope, or its API's. */
export const requiredScopeOf = (route: PolicyRoute): string | undefined =>
  route.scope ??
  (route.area === 'department-api' || route.area === 'identity-counter' || route.area === 'help-desk'
    ? undefined
    : OWN_API_SCOPES[route.area]);

export interface PolicyRoute {
  /** `METHOD /path` as API Gateway names the resource, e.g. `GET /audit/verify`. */
  readonly id: string;
  readonly area: RouteArea;
  readonly zones: readonly string[];
  readonly minLoa?: number;
  readonly scope?: string;
}

export const routeEntities = (route: PolicyRoute): CedarEntity[] => [
  {
    uid: uid('Route', route.id),
    attrs: {
      area: route.area,
      zones: [...route.zones],
      minLoa: route.minLoa ?? 1,
      ...(route.scope ? { scope: route.scope } : {}),
    },
    parents: [],
  },
];

/** Entities can repeat (a department is parent of both principal and resource): keep one of each. */
export const uniqueEntities = (...groups: readonly CedarEntity[][]): CedarEntity[] => {
  const seen = new Map<string, CedarEntity>();
  for (const entity of groups.flat()) {
    const u = entity.uid as CedarUid;
    const key = `${u.type}::${u.id}`;
    if (!seen.has(key)) seen.set(key, entity);
  }
  return [...seen.values()];
};

export const requestContext = (
  zone: string,
  session: { readonly acr?: string; readonly amr?: readonly string[]; readonly scopes?: readonly string[] },
  nowMs = Date.now(),
): RequestContext => ({
  zone,
  loa: loaOfAcr(session.acr),
  acr: session.acr ?? '',
  amr: session.amr ?? [],
  scopes: session.scopes ?? [],
  now: Math.floor(nowMs / 1000),
});

/** The company a person acts for, as the policies see it (a subset of libs/identity's Representation). */
export interface PolicyRepresentation {
  readonly uscc: string;
  readonly status: string;
  readonly role: 'legal-representative' | 'agent';
  /** The sites (client ids) an agent may act at; ignored for the legal representative. */
  readonly clients: readonly string[];
}

export const companyEntities = (r: PolicyRepresentation): CedarEntity[] => [
  { uid: uid('Company', r.uscc), attrs: { uscc: r.uscc, status: r.status }, parents: [] },
];

/** The context part of a sign-in for a company: the company, the person's role there, their sites. */
export const representationContext = (
  r: PolicyRepresentation,
): NonNullable<RequestContext['representing']> => ({
  company: uid('Company', r.uscc),
  role: r.role,
  sites: r.role === 'agent' ? r.clients.map((id) => uid('Client', id)) : [],
});

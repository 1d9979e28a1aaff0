import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { Zone } from '../config/index.ts';
import {
  type AccessRequest,
  type Action,
  type Decision,
  defaultPolicyDir,
  explain,
  type PolicyEngine,
  uid,
} from './engine.ts';
import {
  anonymousEntities,
  clientEntities,
  companyEntities,
  licenceTypeEntities,
  representationContext,
  requestContext,
  routeEntities,
  uniqueEntities,
  userEntities,
} from './entities.ts';

/**
 * Policy tests as data (`policies/tests/*.test.json`): named principals and resources in
 * `fixtures.json`, and cases of request → expected decision and deciding policies. A
 * security officer reads and extends them without touching code; `npm test` and
 * `yitong policy test` run them.
 */

// Each schema is built in a pure-annotated call: a bundle that never loads policy tests (every
// function: this file rides in through libs/policy's index) drops them, and never builds them at
// cold start (docs/architecture.md, "Cold start").
const AccountFixture = /* @__PURE__ */ (() =>
  z.strictObject({
    kind: z.string(),
    roles: z.array(z.string()),
    department: z.string().optional(),
    identityAssurance: z.string(),
    /** Identity assurance level; 1 (self-asserted) unless named. */
    ial: z.number().int().min(1).max(3).default(1),
    status: z.string().default('active'),
    locked: z.boolean().default(false),
    setupPending: z.boolean().default(false),
  }))();
const ClientFixture = /* @__PURE__ */ (() =>
  z.strictObject({
    yitong_zone: z.string(),
    yitong_department: z.string().optional(),
    yitong_required_acr: z.string().optional(),
    yitong_required_ial: z.string().optional(),
    yitong_disabled: z.boolean().optional(),
    yitong_accepts_companies: z.boolean().optional(),
  }))();
const Fixture = /* @__PURE__ */ (() =>
  z.union([
    z.strictObject({ account: AccountFixture }),
    z.strictObject({ client: ClientFixture }),
    z.strictObject({ anonymous: z.literal(true) }),
    z.strictObject({
      route: z.strictObject({
        id: z.string(),
        area: z.enum(['admin', 'audit', 'licences', 'department-api', 'identity-counter', 'help-desk']),
        zones: z.array(z.string()),
        minLoa: z.number().int().optional(),
        scope: z.string().optional(),
      }),
    }),
    z.strictObject({ licenceType: z.strictObject({ vct: z.string(), department: z.string() }) }),
  ]))();
type Fixture = z.infer<typeof Fixture>;

const Fixtures = /* @__PURE__ */ (() =>
  z.object({
    principals: z.record(z.string(), Fixture),
    resources: z.record(z.string(), Fixture),
  }))();
export type Fixtures = z.infer<typeof Fixtures>;

export const PolicyCase = /* @__PURE__ */ (() =>
  z.strictObject({
    name: z.string(),
    principal: z.string(),
    action: z.enum(['login', 'callApi', 'issueLicence', 'changeLicenceStatus']),
    resource: z.string(),
    context: z.strictObject({
      zone: Zone,
      loa: z.number().int().min(0).max(3),
      scopes: z.array(z.string()).default([]),
      /** A sign-in acting for a company: its USCC and status, the role, an agent's sites (resource names). */
      representing: z
        .strictObject({
          uscc: z.string(),
          status: z.enum(['active', 'closed']).default('active'),
          role: z.enum(['legal-representative', 'agent']),
          sites: z.array(z.string()).default([]),
        })
        .optional(),
    }),
    expect: z.enum(['allow', 'deny']),
    /** The policies expected to decide; [] for a default deny. */
    policies: z.array(z.string()),
  }))();
export type PolicyCase = z.infer<typeof PolicyCase>;

const CaseFile = /* @__PURE__ */ (() =>
  z.object({ description: z.string(), cases: z.array(PolicyCase).min(1) }))();

export interface CaseFileContents {
  readonly file: string;
  readonly description: string;
  readonly cases: readonly PolicyCase[];
}

export const loadPolicyTests = (dir = join(defaultPolicyDir(), 'tests')) => {
  const fixtures = Fixtures.parse(JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8')));
  const files: CaseFileContents[] = readdirSync(dir)
    .filter((name) => name.endsWith('.test.json'))
    .sort()
    .map((file) => ({ file, ...CaseFile.parse(JSON.parse(readFileSync(join(dir, file), 'utf8'))) }));
  return { fixtures, files };
};

const entitiesOf = (name: string, fixture: Fixture) => {
  if ('account' in fixture) {
    const { locked, setupPending, ...account } = fixture.account;
    return {
      uid: uid('User', name),
      entities: userEntities({
        id: name,
        ...account,
        lockedUntil: locked ? Math.floor(Date.now() / 1000) + 60 : 0,
        mustChangePassword: setupPending,
      }),
    };
  }
  if ('client' in fixture) {
    return { uid: uid('Client', name), entities: clientEntities({ client_id: name, ...fixture.client }) };
  }
  if ('route' in fixture)
    return { uid: uid('Route', fixture.route.id), entities: routeEntities(fixture.route) };
  if ('licenceType' in fixture) {
    const { vct, department } = fixture.licenceType;
    return { uid: uid('LicenceType', vct), entities: licenceTypeEntities(vct, department) };
  }
  return { uid: uid('Anonymous', 'anonymous'), entities: anonymousEntities() };
};

export const caseRequest = (fixtures: Fixtures, c: PolicyCase): AccessRequest => {
  const principalFixture = fixtures.principals[c.principal];
  const resourceFixture = fixtures.resources[c.resource];
  if (!principalFixture) throw new Error(`${c.name}: unknown principal ${c.principal}`);
  if (!resourceFixture) throw new Error(`${c.name}: unknown resource ${c.resource}`);
  const principal = entitiesOf(c.principal, principalFixture);
  const resource = entitiesOf(c.resource, resourceFixture);
  const acr = c.context.loa > 0 ? `urn:yitong:loa:${c.context.loa}` : undefined;
  const context = requestContext(c.context.zone, { acr, amr: [], scopes: c.context.scopes });
  const r = c.context.representing;
  const representation = r && { uscc: r.uscc, status: r.status, role: r.role, clients: r.sites };
  return {
    principal: principal.uid,
    action: c.action as Action,
    resource: resource.uid,
    context: representation ? { ...context, representing: representationContext(representation) } : context,
    entities: uniqueEntities(
      principal.entities,
      resource.entities,
      representation ? companyEntities(representation) : [],
    ),
  };
};

export interface CaseResult {
  readonly case: PolicyCase;
  readonly decision: Decision;
  readonly passed: boolean;
  readonly explanation: string;
}

export const runPolicyCase = (engine: PolicyEngine, fixtures: Fixtures, c: PolicyCase): CaseResult => {
  const request = caseRequest(fixtures, c);
  const decision = engine.decide(request);
  const passed =
    (decision.allowed ? 'allow' : 'deny') === c.expect &&
    JSON.stringify(decision.policyIds) === JSON.stringify([...c.policies].sort()) &&
    decision.errors.length === 0;
  return { case: c, decision, passed, explanation: explain(request, decision) };
};

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as CedarModule from '@cedar-policy/cedar-wasm/nodejs';

type Cedar = typeof CedarModule;
export type CedarEntity = CedarModule.EntityJson;
export type CedarValue = CedarModule.CedarValueJson;
export type CedarUid = { readonly type: string; readonly id: string };

/** The actions of `policies/schema.cedarschema`. */
export type Action = 'login' | 'callApi' | 'issueLicence' | 'changeLicenceStatus';

/** What every request carries: the entry zone, the session's assurance, token scopes and the time. */
export interface RequestContext {
  readonly zone: string;
  readonly loa: number;
  readonly acr: string;
  readonly amr: readonly string[];
  readonly scopes: readonly string[];
  /** Epoch seconds. */
  readonly now: number;
  /** The company the person acts for in this sign-in, if any (see `representationContext`). */
  readonly representing?: {
    readonly company: CedarUid;
    /** legal-representative | agent */
    readonly role: string;
    /** The sites (clients) an agent's authorisation names; empty for the legal representative. */
    readonly sites: readonly CedarUid[];
  };
}

const sameUid = (a: CedarUid, b: CedarUid): boolean => a.type === b.type && a.id === b.id;

export interface AccessRequest {
  readonly principal: CedarUid;
  readonly action: Action;
  readonly resource: CedarUid;
  readonly context: RequestContext;
  /** The principal, the resource and everything they are members of. */
  readonly entities: readonly CedarEntity[];
}

export interface Decision {
  readonly allowed: boolean;
  /** Ids of the policies that decided: the permits that allowed, or the forbids that denied. */
  readonly policyIds: readonly string[];
  /** True when a forbid decided the denial (final whoever asks); false for the default deny. */
  readonly forbidden: boolean;
  /** Policies that failed to evaluate (treated as not applying: Cedar is deny-safe). */
  readonly errors: readonly string[];
}

export const NAMESPACE = 'Yitong';
export const uid = (type: string, id: string): CedarUid => ({ type: `${NAMESPACE}::${type}`, id });

/**
 * The policy folder: next to a bundle (the bundler copies it there) or the repository's own.
 */
export const defaultPolicyDir = (): string => {
  const bundled = fileURLToPath(new URL('./policies/', import.meta.url));
  return existsSync(join(bundled, 'schema.cedarschema'))
    ? bundled
    : fileURLToPath(new URL('../../policies/', import.meta.url));
};

export interface PolicySources {
  readonly schema: string;
  /** File name → policy text. Every policy carries an `@id` annotation. */
  readonly files: Readonly<Record<string, string>>;
  /** The digest the bundler recorded after validating these policies, if they were bundled. */
  readonly validatedDigest?: string;
}

export const readPolicySources = (dir = defaultPolicyDir()): PolicySources => ({
  validatedDigest: existsSync(join(dir, VALIDATED_DIGEST_FILE))
    ? readFileSync(join(dir, VALIDATED_DIGEST_FILE), 'utf8').trim()
    : undefined,
  schema: readFileSync(join(dir, 'schema.cedarschema'), 'utf8'),
  files: Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.cedar'))
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  ),
});

export class PolicyLoadError extends Error {}

const messages = (errors: readonly { message: string; help?: string | null }[]) =>
  errors.map((e) => (e.help ? `${e.message} (${e.help})` : e.message)).join('; ');

/**
 * Splits the policy files into policies keyed by their `@id`, so a decision names
 * `zone-intranet-login` rather than `policy3`. Ids must be unique across files.
 */
const policiesById = (cedar: Cedar, sources: PolicySources): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(sources.files)) {
    const parts = cedar.policySetTextToParts(text);
    if (parts.type === 'failure') throw new PolicyLoadError(`${file}: ${messages(parts.errors)}`);
    if (parts.policy_templates.length) throw new PolicyLoadError(`${file}: templates are not used`);
    for (const policy of parts.policies) {
      const id = /@id\(\s*"([^"]+)"\s*\)/.exec(policy)?.[1];
      if (!id) throw new PolicyLoadError(`${file}: every policy needs an @id("…") annotation`);
      if (out[id]) throw new PolicyLoadError(`${file}: policy id ${id} is used twice`);
      out[id] = policy;
    }
  }
  return out;
};

const validatePolicies = (cedar: Cedar, schema: string, policies: Record<string, string>) => {
  const validation = cedar.validate({
    schema,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (validation.type === 'failure') throw new PolicyLoadError(messages(validation.errors));
  if (validation.validationErrors.length) {
    throw new PolicyLoadError(
      validation.validationErrors.map((e) => `${e.policyId}: ${e.error.message}`).join('; '),
    );
  }
};

/**
 * Strict validation of a policy folder with a loaded Cedar module (the bundler loads it with
 * `require`): throws PolicyLoadError naming each problem.
 */
export const validatePolicySources = (cedar: Cedar, sources: PolicySources): void =>
  validatePolicies(cedar, sources.schema, policiesById(cedar, sources));

/** A digest of exactly the schema and policies, which the bundler records once it has validated them. */
export const policyDigest = (sources: Pick<PolicySources, 'schema' | 'files'>): string => {
  const hash = createHash('sha256').update(`schema\0${sources.schema}\0`);
  for (const name of Object.keys(sources.files).sort()) hash.update(`${name}\0${sources.files[name]}\0`);
  return hash.digest('hex');
};

/** The file, next to the bundled policies, holding the digest of what the bundler validated. */
export const VALIDATED_DIGEST_FILE = 'validated.sha256';

let cedarModule: Promise<Cedar> | undefined;
/** The wasm engine loads on first use only: functions that never decide never pay for it. */
const loadCedar = (): Promise<Cedar> => {
  // A CommonJS module: bundled as a chunk of its own, its namespace holds it only as `default`.
  cedarModule ??= import('@cedar-policy/cedar-wasm/nodejs').then(
    (loaded) => ((loaded as unknown as { default?: Cedar }).default ?? loaded) as Cedar,
  );
  return cedarModule;
};

let engines = 0;

/** How many decisions one engine remembers (least recently used first out). */
export const DECISION_MEMO_SIZE = 1000;

/**
 * Whether any policy can read the request time (`context.now`, `context["now"]`, `has now`):
 * conservatively, any policy whose text mentions `now` at all.
 */
const readsTime = (policies: Readonly<Record<string, string>>): boolean =>
  Object.values(policies).some((text) => /\bnow\b/.test(text));

/**
 * A bounded least-recently-used map of decisions, keyed by exactly the JSON Cedar is given
 * (principal, action, resource, context, entities). A Map iterates in insertion order, so a
 * hit is moved to the end and the first key is the one to evict.
 */
class DecisionMemo {
  private readonly entries = new Map<string, Decision>();

  constructor(private readonly max: number) {}

  get(key: string): Decision | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, decision: Decision): void {
    this.entries.set(key, decision);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Cedar with the policy set and schema parsed once (the stateful API) and validated in
 * strict mode. Default deny; every decision names the policies that made it.
 *
 * Decisions are memoised per engine, so per container and per policy set: the key is the exact
 * JSON Cedar evaluates (principal, action, resource, context and every entity with its roles,
 * department and attributes) plus the policy set's id, so a changed role, attribute, zone, level
 * or scope is a different key and is decided afresh. The request time (`context.now`) is part of
 * the key whenever any policy mentions `now`; while none does, a decision cannot depend on it.
 * Time-dependent facts of an entity (such as `locked`) are computed into its attributes by the
 * caller, so they are in the key too. A new policy set is a new engine with an empty memo.
 */
export class PolicyEngine {
  private readonly memo = new DecisionMemo(DECISION_MEMO_SIZE);
  private readonly timeSensitive: boolean;

  private constructor(
    private readonly cedar: Cedar,
    private readonly setId: string,
    private readonly schemaId: string,
    readonly policies: Readonly<Record<string, string>>,
  ) {
    this.timeSensitive = readsTime(policies);
  }

  /** Decisions remembered now (for tests and benchmarks). */
  get memoSize(): number {
    return this.memo.size;
  }

  /** Forgets every remembered decision. */
  clearMemo(): void {
    this.memo.clear();
  }

  /**
   * Parses the policy set and schema once, and runs Cedar's strict validator (~200 ms of a
   * cold start) unless the bundler already validated exactly these files: it records their
   * digest, and `cdk synth` fails on a policy the schema refuses.
   */
  static async load(sources: PolicySources = readPolicySources()): Promise<PolicyEngine> {
    const cedar = await loadCedar();
    const policies = policiesById(cedar, sources);
    if (sources.validatedDigest !== policyDigest(sources)) validatePolicies(cedar, sources.schema, policies);
    engines += 1;
    const setId = `yitong-policies-${engines}`;
    const schemaId = `yitong-schema-${engines}`;
    const schema = cedar.preparseSchema(schemaId, sources.schema);
    if (schema.type === 'failure') throw new PolicyLoadError(messages(schema.errors));
    const set = cedar.preparsePolicySet(setId, { staticPolicies: policies });
    if (set.type === 'failure') throw new PolicyLoadError(messages(set.errors));
    return new PolicyEngine(cedar, setId, schemaId, policies);
  }

  /** The decision, remembered for the same inputs (see the class comment). */
  decide(request: AccessRequest): Decision {
    const context = contextJson(request.context);
    const key = JSON.stringify([
      this.setId,
      request.principal,
      request.action,
      request.resource,
      this.timeSensitive ? context : { ...context, now: undefined },
      request.entities,
    ]);
    const known = this.memo.get(key);
    if (known) return known;
    const decision = this.evaluate(request, context);
    this.memo.set(key, decision);
    return decision;
  }

  /** The decision, always evaluated by Cedar (the memo neither read nor filled). */
  decideUncached(request: AccessRequest): Decision {
    return this.evaluate(request, contextJson(request.context));
  }

  private evaluate(request: AccessRequest, context: Record<string, CedarValue>): Decision {
    const answer = this.cedar.statefulIsAuthorized({
      principal: request.principal,
      action: uid('Action', request.action),
      resource: request.resource,
      context,
      entities: [...request.entities],
      preparsedPolicySetId: this.setId,
      preparsedSchemaName: this.schemaId,
      validateRequest: true,
    });
    if (answer.type === 'failure') {
      // A request the schema refuses is a bug in the caller's entities: deny, and say why.
      throw new PolicyLoadError(`policy request refused: ${messages(answer.errors)}`);
    }
    const { decision, diagnostics } = answer.response;
    const allowed = decision === 'allow';
    // Frozen: one remembered decision is handed to every caller that asks the same.
    return Object.freeze({
      allowed,
      policyIds: Object.freeze([...diagnostics.reason].sort()),
      forbidden: !allowed && diagnostics.reason.length > 0,
      errors: Object.freeze(diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`)),
    });
  }

  /**
   * The lowest level of assurance (from the session's own up to 3) at which the request
   * would be allowed, or undefined when no level would: tells step-up from denial.
   */
  lowestAllowingLoa(request: AccessRequest): number | undefined {
    for (let loa = Math.max(request.context.loa, 1); loa <= 3; loa++) {
      if (this.decide({ ...request, context: { ...request.context, loa } }).allowed) return loa;
    }
    return undefined;
  }

  /**
   * The lowest identity level (from the person's own up to 3) at which the request would be
   * allowed, with the lowest level of assurance at it; undefined when neither proving an
   * identity nor a stronger sign-in would help. Tells the proofing step from a refusal, as
   * lowestAllowingLoa tells step-up from one. A principal without an `ial` (a client) keeps its own.
   */
  lowestAllowing(request: AccessRequest): { readonly ial: number; readonly loa: number } | undefined {
    const principal = request.entities.find((e) => sameUid(e.uid as CedarUid, request.principal)) as
      | (CedarEntity & { attrs: Record<string, CedarValue> })
      | undefined;
    const own = principal?.attrs?.ial;
    if (typeof own !== 'number') {
      const loa = this.lowestAllowingLoa(request);
      return loa === undefined ? undefined : { ial: 0, loa };
    }
    for (let ial = Math.max(own, 1); ial <= 3; ial++) {
      const raised: AccessRequest =
        ial === own
          ? request
          : {
              ...request,
              entities: request.entities.map((e) =>
                e === principal ? { ...principal, attrs: { ...principal.attrs, ial } } : e,
              ),
            };
      const loa = this.lowestAllowingLoa(raised);
      if (loa !== undefined) return { ial, loa };
    }
    return undefined;
  }
}

const contextJson = (context: RequestContext): Record<string, CedarValue> => ({
  zone: context.zone,
  loa: context.loa,
  acr: context.acr,
  amr: [...context.amr],
  scopes: [...context.scopes],
  now: context.now,
  ...(context.representing
    ? {
        representing: {
          company: { __entity: { ...context.representing.company } },
          role: context.representing.role,
          sites: context.representing.sites.map((site) => ({ __entity: { ...site } })),
        },
      }
    : {}),
});

/** One line a person can read: the decision and the policies that made it. */
export const explain = (request: AccessRequest, decision: Decision): string => {
  const who = `${request.principal.type}::"${request.principal.id}"`;
  const what = `${request.resource.type}::"${request.resource.id}"`;
  const verdict = decision.allowed ? 'ALLOW' : 'DENY';
  const by = decision.policyIds.length
    ? `${decision.allowed ? 'permitted' : 'forbidden'} by ${decision.policyIds.join(', ')}`
    : 'no policy permits it (default deny)';
  return `${verdict} ${who} ${request.action} ${what} in zone ${request.context.zone} at loa ${request.context.loa}: ${by}`;
};

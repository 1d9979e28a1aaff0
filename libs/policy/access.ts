import type { AuditEventInput, AuditLog } from '../audit/index.ts';
import type { Zone } from '../config/index.ts';
import { type AccessRequest, type Decision, explain, PolicyEngine } from './engine.ts';
import {
  clientEntities,
  companyEntities,
  type PolicyAccount,
  type PolicyClient,
  type PolicyRepresentation,
  representationContext,
  requestContext,
  uniqueEntities,
  userEntities,
} from './entities.ts';

/** Who asked, from where: the audit fields a decision's event carries. */
export interface DecisionOrigin {
  readonly actor?: string;
  readonly client?: string;
  readonly department?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly correlationId?: string;
}

export interface CheckedDecision extends Decision {
  readonly explanation: string;
}

export interface LoginVerdict {
  readonly request: AccessRequest;
  readonly decision: CheckedDecision;
  /**
   * The lowest level at which sign-in would be allowed (once the identity is proved to
   * `lowestIal`, if that is needed too); undefined when no level and no proof would help.
   */
  readonly lowestLoa: number | undefined;
  /**
   * The lowest identity level at which sign-in would be allowed: above the account's own, the
   * person is asked to prove their identity (a step-up, like the level), not refused.
   */
  readonly lowestIal: number | undefined;
}

/**
 * The enforcement side of the policy engine for one zone: decides, and audits every denial
 * and every allow of a privileged action with the ids of the deciding policies. The engine
 * (the Cedar wasm and the parsed policy set) loads once per container, on first use.
 */
export class AccessControl {
  private engineLoad: Promise<PolicyEngine> | undefined;

  constructor(
    readonly zone: Zone,
    private readonly audit: AuditLog,
    private readonly loadEngine: () => Promise<PolicyEngine> = () => PolicyEngine.load(),
  ) {}

  engine(): Promise<PolicyEngine> {
    this.engineLoad ??= this.loadEngine().catch((err: unknown) => {
      this.engineLoad = undefined;
      throw err;
    });
    return this.engineLoad;
  }

  /** Decides without auditing (for questions such as "would a higher level help?"). */
  async evaluate(request: AccessRequest): Promise<CheckedDecision> {
    const decision = (await this.engine()).decide(request);
    return { ...decision, explanation: explain(request, decision) };
  }

  /** Decides and audits: every denial, and an allow when the act is privileged. */
  async check(
    request: AccessRequest,
    origin: DecisionOrigin,
    options: {
      readonly privileged?: boolean;
      /** What else the event should say (e.g. why a token was refused). */
      readonly details?: Readonly<Record<string, string>>;
    } = {},
  ): Promise<CheckedDecision> {
    const decision = await this.evaluate(request);
    if (!decision.allowed || options.privileged) {
      await this.record(request, decision, origin, options.details);
    }
    return decision;
  }

  /** Audits a decision made with `evaluate` (once the caller knows it is final); returns the event id. */
  async record(
    request: AccessRequest,
    decision: CheckedDecision,
    origin: DecisionOrigin,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<string> {
    const event: AuditEventInput = {
      type: decision.allowed ? 'policy.allowed' : 'policy.denied',
      outcome: decision.allowed ? 'success' : 'denied',
      zone: this.zone,
      ...origin,
      resource: `${request.resource.type}::${request.resource.id}`.slice(0, 256),
      reason: decision.explanation.slice(0, 1024),
      policyIds: [...decision.policyIds],
      details: {
        ...extra,
        action: request.action,
        principal: `${request.principal.type}::${request.principal.id}`,
        loa: request.context.loa,
      },
    };
    return (await this.audit.append(event)).eventId;
  }

  /** The request for a person signing in to a client through this zone's entry. */
  loginRequest(
    account: PolicyAccount,
    client: PolicyClient,
    session: { readonly acr?: string; readonly amr?: readonly string[] },
    representing?: PolicyRepresentation,
  ): AccessRequest {
    const principal = userEntities(account);
    const resource = clientEntities(client);
    const context = requestContext(this.zone, session);
    return {
      principal: principal[0]!.uid as AccessRequest['principal'],
      action: 'login',
      resource: resource[0]!.uid as AccessRequest['resource'],
      context: representing ? { ...context, representing: representationContext(representing) } : context,
      entities: uniqueEntities(principal, resource, representing ? companyEntities(representing) : []),
    };
  }

  /** Whether this person may sign in to this client now, and if not, whether stepping up would help. */
  async login(
    account: PolicyAccount,
    client: PolicyClient,
    session: { readonly acr?: string; readonly amr?: readonly string[] },
    /** The company the person acts for in this sign-in: Cedar decides with both. */
    representing?: PolicyRepresentation,
  ): Promise<LoginVerdict> {
    const request = this.loginRequest(account, client, session, representing);
    const engine = await this.engine();
    const decision = engine.decide(request);
    const lowest = decision.allowed
      ? { loa: request.context.loa, ial: account.ial }
      : engine.lowestAllowing(request);
    return {
      request,
      decision: { ...decision, explanation: explain(request, decision) },
      lowestLoa: lowest?.loa,
      lowestIal: lowest?.ial,
    };
  }
}

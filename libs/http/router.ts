import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * One router for every HTTP surface of yitong and for the local gateway: path templates as API
 * Gateway REST APIs write them (`/admin/clients/{clientId}`, `/interaction/{uid}/passkey/{action}`,
 * `/account/{proxy+}`), matched the way API Gateway matches them, so a path reaches the same code
 * locally as deployed and no function dispatches in a way of its own.
 */

/** The methods a route may name; `ANY` matches any method the resource has no route for. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

/** The path parameters a template captured, decoded (`{proxy+}` keeps its slashes). */
export type PathParams = Readonly<Record<string, string>>;

export interface RouteFound<H> {
  readonly handler: H;
  readonly method: RouteMethod;
  /** The template as registered: what API Gateway calls the resource. */
  readonly template: string;
  readonly params: PathParams;
}

/** The path names a resource that has no route for this method (HTTP 405). */
export interface MethodNotAllowed {
  readonly allowed: readonly RouteMethod[];
}

type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

/** Splits a template into segments; a greedy `{name+}` may only come last. */
export const parseTemplate = (template: string): readonly Segment[] => {
  if (!template.startsWith('/')) throw new Error(`a path template starts with "/": ${template}`);
  const segments = template
    .split('/')
    .filter(Boolean)
    .map((part): Segment => {
      const greedy = /^\{(\w+)\+\}$/.exec(part);
      if (greedy) return { kind: 'greedy', name: greedy[1]! };
      const param = /^\{(\w+)\}$/.exec(part);
      if (param) return { kind: 'param', name: param[1]! };
      if (/[{}]/.test(part)) throw new Error(`"${part}" is not a path segment or {parameter}: ${template}`);
      return { kind: 'literal', value: part };
    });
  if (segments.slice(0, -1).some((s) => s.kind === 'greedy'))
    throw new Error(`a greedy {parameter+} must be the last segment: ${template}`);
  const names = segments.flatMap((s) => (s.kind === 'literal' ? [] : [s.name]));
  if (new Set(names).size !== names.length) throw new Error(`a path parameter is named twice: ${template}`);
  return segments;
};

/** Specificity per segment as API Gateway ranks it: literal over {param} over {proxy+}. */
const RANK = { literal: 3, param: 2, greedy: 1 } as const;

const compareSpecificity = (a: readonly Segment[], b: readonly Segment[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const ra = a[i] ? RANK[a[i]!.kind] : 0;
    const rb = b[i] ? RANK[b[i]!.kind] : 0;
    if (ra !== rb) return rb - ra;
  }
  return 0;
};

const matchSegments = (pattern: readonly Segment[], parts: readonly string[]): PathParams | undefined => {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    if (segment.kind === 'greedy') {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      params[segment.name] = rest.join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal' && segment.value !== decodePathPart(part)) return undefined;
    if (segment.kind === 'param') params[segment.name] = part;
  }
  return pattern.length === parts.length ? params : undefined;
};

/** The resource a template names, whatever its parameters are called: `/a/{}/b`. */
const shapeOf = (segments: readonly Segment[]): string =>
  segments.map((s) => (s.kind === 'literal' ? s.value : s.kind === 'param' ? '{}' : '{+}')).join('/');

const decodePathPart = (part: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

interface Entry<H> {
  readonly method: RouteMethod;
  readonly template: string;
  readonly segments: readonly Segment[];
  readonly handler: H;
}

/** How `match` treats percent-escapes: decoded once (a function), or kept (API Gateway's event). */
export interface MatchOptions {
  /** @default true */
  readonly decode?: boolean;
}

/**
 * Routes keyed by method and path template. The most specific resource that matches wins
 * (literal over `{param}` over `{proxy+}`, segment by segment); on that resource an exact
 * method wins over `ANY`; with neither, the answer is 405 — API Gateway does not fall back to a
 * less specific resource, and neither does this.
 */
export class Router<H> {
  private entries: Entry<H>[] = [];

  /** Adds a route; the same method on the same template twice is a programming error. */
  on(method: RouteMethod, template: string, handler: H): this {
    const segments = parseTemplate(template);
    if (this.entries.some((e) => e.method === method && e.template === template))
      throw new Error(`route ${method} ${template} is defined twice`);
    // API Gateway refuses sibling resources that differ only in a parameter's name
    // (`/a/{id}` beside `/a/{name}`): one of them could never be reached.
    const clash = this.entries.find(
      (e) => e.template !== template && shapeOf(e.segments) === shapeOf(segments),
    );
    if (clash)
      throw new Error(`route ${template} is the resource ${clash.template} with other parameter names`);
    this.entries = [...this.entries, { method, template, segments, handler }].sort((a, b) =>
      compareSpecificity(a.segments, b.segments),
    );
    return this;
  }

  /** Adds every route of another router (a console's pages into its API's routes). */
  include(other: Router<H>): this {
    for (const route of other.routes()) this.on(route.method, route.template, route.handler);
    return this;
  }

  /** Every route, most specific first (for route tables, docs and tests). */
  routes(): ReadonlyArray<{ readonly method: RouteMethod; readonly template: string; readonly handler: H }> {
    return this.entries.map(({ method, template, handler }) => ({ method, template, handler }));
  }

  /**
   * The route for a request path, as received (percent-encoded). Literal segments match their
   * decoded form, and each parameter is decoded once, unless `decode: false` (the local gateway hands them on
   * encoded, as API Gateway REST APIs do).
   */
  match(
    method: string,
    path: string,
    options: MatchOptions = {},
  ): RouteFound<H> | MethodNotAllowed | undefined {
    const parts = path.split('/').filter(Boolean);
    const resource = this.entries.find((entry) => matchSegments(entry.segments, parts));
    if (!resource) return undefined;
    const sameResource = this.entries.filter((entry) => entry.template === resource.template);
    const chosen =
      sameResource.find((entry) => entry.method === method) ??
      sameResource.find((entry) => entry.method === 'ANY');
    if (!chosen) return { allowed: sameResource.map((entry) => entry.method) };
    const params = matchSegments(chosen.segments, parts)!;
    return {
      handler: chosen.handler,
      method: chosen.method,
      template: chosen.template,
      params: options.decode === false ? params : decodeParams(params),
    };
  }

  /**
   * The route for an API Gateway event. API Gateway has already chosen the resource
   * (`event.resource`, with its `pathParameters`); a function serves that template when it has a
   * route for it. Behind a greedy resource (`/admin/{proxy+}`: one API Gateway resource for many
   * routes keeps the stack inside CloudFormation's limits) the function matches the path itself.
   */
  matchEvent(event: APIGatewayProxyEvent): RouteFound<H> | MethodNotAllowed | undefined {
    const { httpMethod: method, resource } = event;
    const onTemplate = this.entries.filter((e) => e.template === resource);
    const chosen = onTemplate.find((e) => e.method === method) ?? onTemplate.find((e) => e.method === 'ANY');
    if (chosen && !chosen.segments.some((s) => s.kind === 'greedy'))
      return {
        handler: chosen.handler,
        method: chosen.method,
        template: chosen.template,
        // API Gateway REST APIs pass path parameters percent-encoded, as the path came.
        params: decodeParams({ ...(event.pathParameters as Record<string, string> | null) }),
      };
    if (!resource?.endsWith('+}'))
      return onTemplate.length ? { allowed: onTemplate.map((e) => e.method) } : undefined;
    return this.match(method, event.path);
  }
}

/** The event as the route sees it: the matched template as its resource, its parameters decoded. */
export const routedEvent = (
  event: APIGatewayProxyEvent,
  found: RouteFound<unknown>,
): APIGatewayProxyEvent => ({
  ...event,
  resource: found.template,
  pathParameters: { ...event.pathParameters, ...found.params },
});

const decodeParams = (params: PathParams): PathParams =>
  Object.fromEntries(Object.entries(params).map(([name, value]) => [name, decodeGreedy(value)]));

/** Decodes each segment of a value once (a greedy value keeps its encoded slashes apart). */
const decodeGreedy = (value: string): string => value.split('/').map(decodePathPart).join('/');

/** Narrows a match to a found route. */
export const isRouteFound = <H>(
  match: RouteFound<H> | MethodNotAllowed | undefined,
): match is RouteFound<H> => match !== undefined && 'handler' in match;

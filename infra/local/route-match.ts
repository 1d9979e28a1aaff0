import type { RouteDefinition } from '../routes.ts';

export interface RouteMatch<T> {
  readonly target: T;
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string> | null;
}

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

const parse = (path: string): Segment[] =>
  path
    .split('/')
    .filter(Boolean)
    .map((part): Segment => {
      const greedy = /^\{(\w+)\+\}$/.exec(part);
      if (greedy) return { kind: 'greedy', name: greedy[1]! };
      const param = /^\{(\w+)\}$/.exec(part);
      if (param) return { kind: 'param', name: param[1]! };
      return { kind: 'literal', value: part };
    });

/** Specificity per segment as API Gateway ranks it: literal over {param} over {proxy+}. */
const RANK = { literal: 3, param: 2, greedy: 1 } as const;

const matchSegments = (pattern: Segment[], parts: string[]): Record<string, string> | undefined => {
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
    if (segment.kind === 'literal' && segment.value !== part) return undefined;
    if (segment.kind === 'param') params[segment.name] = part;
  }
  return pattern.length === parts.length ? params : undefined;
};

const compareSpecificity = (a: Segment[], b: Segment[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const ra = a[i] ? RANK[a[i]!.kind] : 0;
    const rb = b[i] ? RANK[b[i]!.kind] : 0;
    if (ra !== rb) return rb - ra;
  }
  return 0;
};

/**
 * A router that picks routes the way API Gateway REST APIs do, so a path reaches the same
 * function locally as deployed: the most specific resource wins, then an exact method over ANY.
 */
export class RouteMatcher<T> {
  private readonly entries: Array<{ target: T; route: RouteDefinition; segments: Segment[] }>;

  constructor(routes: ReadonlyArray<{ readonly target: T; readonly route: RouteDefinition }>) {
    this.entries = routes
      .map(({ target, route }) => ({ target, route, segments: parse(route.path) }))
      .sort((a, b) => compareSpecificity(a.segments, b.segments));
  }

  /**
   * `undefined` when no resource matches; `'method'` when the most specific resource that
   * matches has no method for this request (API Gateway does not fall back to a greedy one).
   */
  match(method: string, path: string): RouteMatch<T> | 'method' | undefined {
    const parts = path.split('/').filter(Boolean).map(decodePathPart);
    const resource = this.entries.find((entry) => matchSegments(entry.segments, parts));
    if (!resource) return undefined;
    const sameResource = this.entries.filter((entry) => entry.route.path === resource.route.path);
    const chosen =
      sameResource.find((entry) => entry.route.method === method) ??
      sameResource.find((entry) => entry.route.method === 'ANY');
    if (!chosen) return 'method';
    const params = matchSegments(chosen.segments, parts)!;
    return {
      target: chosen.target,
      route: chosen.route,
      pathParameters: Object.keys(params).length ? params : null,
    };
  }
}

const decodePathPart = (part: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

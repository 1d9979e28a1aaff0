import { Router } from '../../libs/http/index.ts';
import type { RouteDefinition } from '../routes.ts';

export interface RouteMatch<T> {
  readonly target: T;
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string> | null;
}

/**
 * The local gateway's view of the route table: the functions' own router (libs/http), so a path
 * reaches the same function locally as deployed and the two cannot disagree on matching. Like
 * API Gateway's REST APIs, it hands path parameters on percent-encoded; the function decodes them.
 */
export class RouteMatcher<T> {
  private readonly router = new Router<{ readonly target: T; readonly route: RouteDefinition }>();

  constructor(routes: ReadonlyArray<{ readonly target: T; readonly route: RouteDefinition }>) {
    for (const entry of routes) this.router.on(entry.route.method, entry.route.path, entry);
  }

  /**
   * `undefined` when no resource matches; `'method'` when the most specific resource that
   * matches has no method for this request (API Gateway does not fall back to a greedy one).
   */
  match(method: string, path: string): RouteMatch<T> | 'method' | undefined {
    const found = this.router.match(method, path, { decode: false });
    if (!found) return undefined;
    if (!('handler' in found)) return 'method';
    return {
      ...found.handler,
      pathParameters: Object.keys(found.params).length ? { ...found.params } : null,
    };
  }
}

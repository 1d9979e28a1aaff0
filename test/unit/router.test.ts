import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { isRouteFound, Router, routedEvent } from '../../libs/http/index.ts';

const router = () =>
  new Router<string>()
    .on('ANY', '/account/{proxy+}', 'greedy')
    .on('GET', '/account/licences', 'list')
    .on('GET', '/account/licences/{licenceId}', 'one')
    .on('POST', '/account/licences/{licenceId}/shares', 'share')
    .on('GET', '/interaction/{uid}', 'show')
    .on('POST', '/interaction/{uid}/passkey/{action}', 'passkey');

describe('router', () => {
  it('prefers a literal segment over a parameter and a parameter over a greedy one', () => {
    expect(router().match('GET', '/account/licences')).toMatchObject({ handler: 'list', params: {} });
    expect(router().match('GET', '/account/licences/L-1')).toMatchObject({
      handler: 'one',
      template: '/account/licences/{licenceId}',
      params: { licenceId: 'L-1' },
    });
    expect(router().match('GET', '/account/anything/else')).toMatchObject({
      handler: 'greedy',
      params: { proxy: 'anything/else' },
    });
  });

  it('answers 405 with the allowed methods rather than falling back to a less specific resource', () => {
    // API Gateway does not try /account/{proxy+} when /account/licences/{id}/shares has no GET.
    expect(router().match('GET', '/account/licences/L-1/shares')).toEqual({ allowed: ['POST'] });
  });

  it('answers nothing for a path no resource matches', () => {
    expect(router().match('GET', '/interaction')).toBeUndefined();
    expect(router().match('GET', '/nowhere')).toBeUndefined();
  });

  it('decodes each segment once and keeps an undecodable one as it came', () => {
    const found = router().match('POST', '/interaction/a%2Fb/passkey/login%2Doptions');
    expect(isRouteFound(found) && found.params).toEqual({ uid: 'a/b', action: 'login-options' });
    expect(router().match('GET', '/interaction/%E0%A4%A')).toMatchObject({ params: { uid: '%E0%A4%A' } });
  });

  it('refuses a resource beside itself under other parameter names, and a name used twice', () => {
    // API Gateway refuses both; either would leave a route no request can reach.
    expect(() => router().on('POST', '/account/licences/{id}', 'other')).toThrow(/other parameter names/);
    expect(() => new Router().on('GET', '/a/{id}/b/{id}', 'x')).toThrow(/named twice/);
  });

  it('decodes a parameter once whichever way the route was found, and hands it on encoded if asked', () => {
    const event = (resource: string, pathParameters: Record<string, string>) =>
      ({
        httpMethod: 'GET',
        resource,
        path: '/account/licences/caf%C3%A9',
        pathParameters,
      }) as unknown as APIGatewayProxyEvent;
    // API Gateway REST APIs pass parameters percent-encoded, on a specific resource or behind a greedy one.
    const bySpecific = router().matchEvent(
      event('/account/licences/{licenceId}', { licenceId: 'caf%C3%A9' }),
    );
    const byGreedy = router().matchEvent(event('/account/{proxy+}', { proxy: 'licences/caf%C3%A9' }));
    expect(bySpecific).toMatchObject({ params: { licenceId: 'café' } });
    expect(byGreedy).toMatchObject({ params: { licenceId: 'café' } });
    expect(router().match('GET', '/account/licences/caf%C3%A9', { decode: false })).toMatchObject({
      params: { licenceId: 'caf%C3%A9' },
    });
  });

  it('refuses a route defined twice and a greedy parameter that is not last', () => {
    expect(() => router().on('GET', '/account/licences', 'again')).toThrow(/defined twice/);
    expect(() => new Router().on('GET', '/a/{rest+}/b', 'x')).toThrow(/last segment/);
    expect(() => new Router().on('GET', 'relative', 'x')).toThrow(/starts with/);
  });

  it('includes the routes of another router, refusing one both define', () => {
    const pages = new Router<string>().on('GET', '/admin/console', 'console');
    const api = new Router<string>().on('GET', '/admin/departments', 'list').include(pages);
    expect(api.match('GET', '/admin/console')).toMatchObject({ handler: 'console' });
    expect(() => api.include(pages)).toThrow(/defined twice/);
  });

  it('serves the resource API Gateway chose, and matches the path itself behind a greedy one', () => {
    const event = (resource: string, path: string, pathParameters: Record<string, string> | null = null) =>
      ({ httpMethod: 'GET', resource, path, pathParameters }) as unknown as APIGatewayProxyEvent;
    const chosen = router().matchEvent(event('/account/licences/{licenceId}', '/x', { licenceId: 'L-2' }));
    expect(chosen).toMatchObject({ handler: 'one', params: { licenceId: 'L-2' } });
    const behindGreedy = event('/account/{proxy+}', '/account/licences/L-3', { proxy: 'licences/L-3' });
    const found = router().matchEvent(behindGreedy);
    expect(found).toMatchObject({ handler: 'one', params: { licenceId: 'L-3' } });
    expect(isRouteFound(found) && routedEvent(behindGreedy, found)).toMatchObject({
      resource: '/account/licences/{licenceId}',
      pathParameters: { proxy: 'licences/L-3', licenceId: 'L-3' },
    });
    expect(router().matchEvent(event('/not/served', '/not/served'))).toBeUndefined();
  });
});

// The domain's errors live in libs/errors; they are re-exported here because this kit is what maps
// them to RFC 9457, and a function that throws them needs nothing else.
export {
  ConflictError,
  DomainError,
  ForbiddenError,
  type InvalidParam,
  invalidParamsOf,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors/index.ts';
export { MAX_JSON_BODY_BYTES, parseJsonBody } from './body.ts';
export {
  boundCsrfToken,
  boundCsrfTokenValid,
  CSRF_COOKIE,
  isCsrfTokenShaped,
  newCsrfToken,
  sameCsrfToken,
} from './csrf.ts';
export {
  type ErrorOptions,
  httpFunction,
  problemErrors,
  SECURITY_HEADERS,
  securityHeaders,
  type ZonedContext,
  zoneContext,
} from './middleware.ts';
export {
  type ErrorPageFacts,
  type ErrorPageRenderer,
  eventPrefersPage,
  prefersPage,
  type RequestShape,
} from './negotiate.ts';
export { isTransient, PROBLEM_CONTENT_TYPE, problemResponse } from './problem.ts';
export {
  isRouteFound,
  type MatchOptions,
  type MethodNotAllowed,
  type PathParams,
  type RouteFound,
  type RouteMethod,
  Router,
  routedEvent,
} from './router.ts';

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
  ConflictError,
  DomainError,
  ForbiddenError,
  type InvalidParam,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.ts';
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
export { invalidParamsOf, isTransient, PROBLEM_CONTENT_TYPE, problemResponse } from './problem.ts';
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

// The domain's errors live in libs/errors; they are re-exported here because this kit is what maps
// them to RFC 9457, and a function that throws them needs nothing else.
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
} from '../errors/index.ts';
export { parseJsonBody } from './body.ts';
export {
  boundCsrfToken,
  boundCsrfTokenValid,
  CSRF_COOKIE,
  isCsrfTokenShaped,
  newCsrfToken,
  sameCsrfToken,
} from './csrf.ts';
export { httpFunction } from './middleware.ts';
export { eventPrefersPage, prefersPage } from './negotiate.ts';
export {
  type ApiDescription,
  type ApiOperation,
  offeredIn,
  openApiDocument,
  openApiPath,
  openApiResponse,
  ProblemDetails,
} from './openapi.ts';
export { isTransient, PROBLEM_CONTENT_TYPE } from './problem.ts';
export { isRouteFound, type PathParams, Router, routedEvent } from './router.ts';

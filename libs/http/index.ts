export { MAX_JSON_BODY_BYTES, parseJsonBody } from './body.ts';
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
  problemErrors,
  SECURITY_HEADERS,
  securityHeaders,
  type ZonedContext,
  zoneContext,
} from './middleware.ts';
export { invalidParamsOf, isTransient, PROBLEM_CONTENT_TYPE, problemResponse } from './problem.ts';

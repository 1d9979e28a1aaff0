/**
 * The domain's vocabulary of failures: every lib throws these, and libs/http maps them to RFC 9457
 * problem+json at the edge. They sit below every other lib (they import none), so a domain lib can
 * say "not found" or "conflict" without knowing anything about HTTP.
 */
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
} from './errors.ts';

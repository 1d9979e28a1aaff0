import type { ZodError } from 'zod';

/** A failure the caller can understand and act on; carries a stable machine-readable code. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** HTTP status the error maps to at the edge. */
  abstract readonly status: number;
  /** Short, stable, human-readable summary (RFC 9457 `title`). */
  abstract readonly title: string;
  constructor(
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface InvalidParam {
  readonly name: string;
  readonly reason: string;
}

export class ValidationError extends DomainError {
  readonly code = 'INVALID_REQUEST';
  readonly status = 400;
  readonly title = 'The request is not valid';
  constructor(
    message: string,
    readonly invalidParams: readonly InvalidParam[] = [],
  ) {
    super(message);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
  readonly title = 'Unsupported content type';
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly status = 413;
  readonly title = 'The request body is too large';
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  readonly title = 'Not found';
}

export class ServiceUnavailableError extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly status = 503;
  readonly title = 'The service is busy; try again shortly';
}

/** No valid credentials: the caller may retry with some (RFC 6750 WWW-Authenticate says how). */
export class UnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly status = 401;
  readonly title = 'Authentication required';
  constructor(
    message: string,
    readonly wwwAuthenticate: string,
  ) {
    super(message);
  }
}

/** The caller is known (or the request can never be allowed from here): credentials will not help. */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
  readonly title = 'Not allowed';
}

/** The request conflicts with the current state (a reused idempotency key, a final status). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
  readonly status = 409;
  readonly title = 'Conflict with the current state';
}

/** Maps zod's issues to RFC 9457 `invalid-params`: which field, and what was wrong with it. */
export const invalidParamsOf = (err: ZodError): InvalidParam[] =>
  err.issues.map((issue) => ({ name: issue.path.join('.') || '(body)', reason: issue.message }));

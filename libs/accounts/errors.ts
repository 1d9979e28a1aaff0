import { DomainError } from '../errors/index.ts';

export class LoginNameTakenError extends DomainError {
  readonly code = 'LOGIN_NAME_TAKEN';
  readonly status = 409;
  readonly title = 'That login name is taken';
}

export class AccountConflictError extends DomainError {
  readonly code = 'ACCOUNT_CHANGED';
  readonly status = 409;
  readonly title = 'The account changed while we were updating it; try again';
}

export class TooManyRequestsError extends DomainError {
  readonly code = 'TOO_MANY_REQUESTS';
  readonly status = 429;
  readonly title = 'Too many attempts';
}

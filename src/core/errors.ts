// The closed set of error kinds berth uses everywhere. Every layer throws a
// BerthError; only api/ maps a kind to an HTTP status (and client/ maps it back),
// and only cli/ maps it to an exit code. Test with the is* helpers, never by text.

export const ErrorKind = {
  NotFound: 'BERTH_ERR_NOT_FOUND',
  AlreadyExists: 'BERTH_ERR_ALREADY_EXISTS',
  Conflict: 'BERTH_ERR_CONFLICT',
  InvalidArgument: 'BERTH_ERR_INVALID_ARGUMENT',
  FailedPrecondition: 'BERTH_ERR_FAILED_PRECONDITION',
  Unavailable: 'BERTH_ERR_UNAVAILABLE',
  NotImplemented: 'BERTH_ERR_NOT_IMPLEMENTED',
  PermissionDenied: 'BERTH_ERR_PERMISSION_DENIED',
  Unauthenticated: 'BERTH_ERR_UNAUTHENTICATED',
  Internal: 'BERTH_ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorKind)[keyof typeof ErrorKind];

export class BerthError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BerthError';
    this.code = code;
  }
}

export const notFound = (message: string, cause?: unknown) => new BerthError(ErrorKind.NotFound, message, { cause });
export const alreadyExists = (message: string, cause?: unknown) => new BerthError(ErrorKind.AlreadyExists, message, { cause });
export const conflict = (message: string, cause?: unknown) => new BerthError(ErrorKind.Conflict, message, { cause });
export const invalidArgument = (message: string, cause?: unknown) => new BerthError(ErrorKind.InvalidArgument, message, { cause });
export const failedPrecondition = (message: string, cause?: unknown) => new BerthError(ErrorKind.FailedPrecondition, message, { cause });
export const unavailable = (message: string, cause?: unknown) => new BerthError(ErrorKind.Unavailable, message, { cause });
export const notImplemented = (message: string, cause?: unknown) => new BerthError(ErrorKind.NotImplemented, message, { cause });
export const permissionDenied = (message: string, cause?: unknown) => new BerthError(ErrorKind.PermissionDenied, message, { cause });
export const unauthenticated = (message: string, cause?: unknown) => new BerthError(ErrorKind.Unauthenticated, message, { cause });
export const internal = (message: string, cause?: unknown) => new BerthError(ErrorKind.Internal, message, { cause });

function is(code: ErrorCode) {
  return (err: unknown): err is BerthError => err instanceof BerthError && err.code === code;
}

export const isNotFound = is(ErrorKind.NotFound);
export const isAlreadyExists = is(ErrorKind.AlreadyExists);
export const isConflict = is(ErrorKind.Conflict);
export const isInvalidArgument = is(ErrorKind.InvalidArgument);
export const isFailedPrecondition = is(ErrorKind.FailedPrecondition);
export const isUnavailable = is(ErrorKind.Unavailable);
export const isNotImplemented = is(ErrorKind.NotImplemented);
export const isPermissionDenied = is(ErrorKind.PermissionDenied);
export const isUnauthenticated = is(ErrorKind.Unauthenticated);
export const isInternal = is(ErrorKind.Internal);

export function isBerthError(err: unknown): err is BerthError {
  return err instanceof BerthError;
}

/** The message of anything thrown, for logs and wrapped errors. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

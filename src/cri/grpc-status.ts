// The one map from berth's error kinds to gRPC status codes (the CRI's errors),
// as api/error-status.ts is the one map to HTTP statuses. kubelet and critest
// look at the code (NotFound above all), not at the text.
import { status } from '@grpc/grpc-js';
import { ErrorKind, errorMessage, isBerthError } from '../core/errors.ts';

const codeByKind: Readonly<Record<string, status>> = {
  [ErrorKind.NotFound]: status.NOT_FOUND,
  [ErrorKind.AlreadyExists]: status.ALREADY_EXISTS,
  [ErrorKind.Conflict]: status.FAILED_PRECONDITION,
  [ErrorKind.InvalidArgument]: status.INVALID_ARGUMENT,
  [ErrorKind.FailedPrecondition]: status.FAILED_PRECONDITION,
  [ErrorKind.Unavailable]: status.UNAVAILABLE,
  [ErrorKind.NotImplemented]: status.UNIMPLEMENTED,
  [ErrorKind.PermissionDenied]: status.PERMISSION_DENIED,
  [ErrorKind.Unauthenticated]: status.UNAUTHENTICATED,
  [ErrorKind.Internal]: status.UNKNOWN,
};

/** The gRPC status of an error thrown by a handler: its kind's code, UNKNOWN for anything else. */
export function grpcStatusOf(err: unknown): { code: status; details: string } {
  if (err instanceof Error && err.name === 'ExecTimeoutError') return { code: status.DEADLINE_EXCEEDED, details: errorMessage(err) };
  const code = isBerthError(err) ? (codeByKind[err.code] ?? status.UNKNOWN) : status.UNKNOWN;
  return { code, details: errorMessage(err) };
}

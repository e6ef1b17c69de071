// The one map from berth's error kinds to HTTP status codes (moby's
// httpstatus.FromError); client/ holds the inverse.
import { ErrorKind, type ErrorCode, isBerthError } from '../core/errors.ts';

const statusByKind: Record<ErrorCode, number> = {
  [ErrorKind.NotFound]: 404,
  [ErrorKind.AlreadyExists]: 409,
  [ErrorKind.Conflict]: 409,
  [ErrorKind.InvalidArgument]: 400,
  // As moby maps containerd's FailedPrecondition (httpstatus statusCodeFromGRPCError);
  // state conflicts such as "cannot start a paused container" are Conflict (409) instead.
  [ErrorKind.FailedPrecondition]: 400,
  [ErrorKind.Unavailable]: 503,
  [ErrorKind.NotImplemented]: 501,
  [ErrorKind.PermissionDenied]: 403,
  [ErrorKind.Unauthenticated]: 401,
  [ErrorKind.Internal]: 500,
};

export function statusOf(err: unknown): number {
  return isBerthError(err) ? statusByKind[err.code] : 500;
}

// client: the inverse of api/'s error-kind → HTTP status map. Turns a daemon's
// error response back into the BerthError kind, keeping the daemon's message.
import { BerthError, ErrorKind } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';

const byStatus: Record<number, ErrorCode> = {
  400: ErrorKind.InvalidArgument,
  401: ErrorKind.Unauthenticated,
  403: ErrorKind.PermissionDenied,
  404: ErrorKind.NotFound,
  409: ErrorKind.Conflict,
  412: ErrorKind.FailedPrecondition,
  500: ErrorKind.Internal,
  501: ErrorKind.NotImplemented,
  503: ErrorKind.Unavailable,
};

/** The error kind for an HTTP status (>= 400); unknown statuses are Internal. */
export function kindForStatus(status: number): ErrorCode {
  return byStatus[status] ?? ErrorKind.Internal;
}

/** Builds the error for a failed response from its status and raw body. */
export function errorFromResponse(status: number, body: string): BerthError {
  let message = body.trim();
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      message = (parsed as { message: string }).message;
    }
  } catch {
    // not JSON: the body text itself is the message (as docker's client does)
  }
  if (message === '') message = `request failed with status ${status}`;
  const err = new BerthError(kindForStatus(status), message);
  (err as BerthError & { status?: number }).status = status;
  return err;
}

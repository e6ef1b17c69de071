// cli: the error for a flag value docker would refuse. Its own file so that
// the flag parsers (run-flags.ts, mount-flags.ts) share it without a cycle.

/** A flag value docker would refuse; the message is docker's. */
export class FlagError extends Error {
  override name = 'FlagError';
}

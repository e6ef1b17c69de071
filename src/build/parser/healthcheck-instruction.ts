// HEALTHCHECK as BuildKit's instructions layer types it: NONE, or CMD with
// its --interval/--timeout/--start-period/--start-interval/--retries flags.
import type { HealthcheckCommand } from './ast.ts';
import { ParseFailure } from './errors.ts';
import { goQuote } from './go-strings.ts';
import { handleJSONArgs, type Request } from './instruction-request.ts';
import { parseGoDuration } from '../../lib/go-units.ts';

export function parseHealthcheck(req: Request): HealthcheckCommand {
  if (req.args.length === 0) throw new ParseFailure('HEALTHCHECK requires at least one argument', 0);
  const typ = (req.args[0] as string).toUpperCase();
  const args = req.args.slice(1);
  const none = { interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (typ === 'NONE') {
    if (args.length !== 0) throw new ParseFailure('HEALTHCHECK NONE takes no arguments', 0);
    return { kind: 'HEALTHCHECK', ...req.base, test: ['NONE'], ...none };
  }
  const interval = req.flags.addString('interval', '');
  const timeout = req.flags.addString('timeout', '');
  const startPeriod = req.flags.addString('start-period', '');
  const startInterval = req.flags.addString('start-interval', '');
  const retries = req.flags.addString('retries', '');
  req.flags.parse();
  if (typ !== 'CMD') throw new ParseFailure(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`, 0);
  const cmd = handleJSONArgs(args, req.json);
  if (cmd.length === 0) throw new ParseFailure('Missing command after HEALTHCHECK CMD', 0);
  const test = [req.json ? 'CMD' : 'CMD-SHELL', ...cmd];
  let retryCount = 0;
  if (retries.value !== '') {
    if (!/^[+-]?[0-9]+$/.test(retries.value)) {
      throw new ParseFailure(`strconv.ParseInt: parsing ${goQuote(retries.value)}: invalid syntax`, 0);
    }
    retryCount = Number.parseInt(retries.value, 10);
    if (retryCount < 0) throw new ParseFailure(`--retries cannot be negative (${retryCount})`, 0);
  }
  return {
    kind: 'HEALTHCHECK',
    ...req.base,
    test,
    interval: optInterval('interval', interval.value),
    timeout: optInterval('timeout', timeout.value),
    startPeriod: optInterval('start-period', startPeriod.value),
    startInterval: optInterval('start-interval', startInterval.value),
    retries: retryCount,
  };
}

/** A HEALTHCHECK duration flag in nanoseconds (0 when empty); at least 1ms when set. */
function optInterval(name: string, value: string): number {
  if (value === '') return 0;
  let ns: number;
  try {
    ns = parseGoDuration(value);
  } catch (err) {
    // Go's own message (`time: missing unit in duration "5"`), as docker's parser returns it.
    throw new ParseFailure((err as Error).message, 0);
  }
  if (ns === 0) return 0;
  if (ns < 1_000_000) throw new ParseFailure(`Interval ${goQuote(name)} cannot be less than 1ms`, 0);
  return ns;
}

// cli: the command lines that skip commander — `ps` and its `container ls|ps|list`
// aliases with their flags, after berth's global options. Building commander's
// program and parsing with it is ~2.5 ms of a ~12 ms `berth ps` (bench/README.md,
// cli-start); this reads the same flags as commander reads them (program.ts,
// container-commands.ts): a flag taking a value takes the next argument whatever
// it is, `-abc` is `-a -b -c` until a flag that takes the rest (`-n5`), `--flag=v`,
// the last value wins, -f collects. Anything else — help, an unknown flag, a missing
// value, an operand, `--` — returns undefined, and main.ts (commander) handles the
// whole command line as before, errors and all. fast-argv.test.ts checks both
// parses agree.
import type { GlobalFlags } from './global-options.ts';
import type { PsOptions } from './commands/ps.ts';

interface Flag {
  readonly key: string;
  /** Takes a value (`<string>`). */
  readonly value?: true;
  /** Collects its values (-f). */
  readonly many?: true;
  /** `--no-x`: sets x to false. */
  readonly negate?: true;
}

type Flags = Readonly<Record<string, Flag>>;

const globalFlags: Flags = {
  '--config': { key: 'config', value: true },
  '-c': { key: 'context', value: true }, '--context': { key: 'context', value: true },
  '-D': { key: 'debug' }, '--debug': { key: 'debug' },
  '-H': { key: 'host', value: true }, '--host': { key: 'host', value: true },
  '-l': { key: 'logLevel', value: true }, '--log-level': { key: 'logLevel', value: true },
};

const psFlags: Flags = {
  '-a': { key: 'all' }, '--all': { key: 'all' },
  '-f': { key: 'filter', value: true, many: true }, '--filter': { key: 'filter', value: true, many: true },
  '--format': { key: 'format', value: true },
  '-n': { key: 'last', value: true }, '--last': { key: 'last', value: true },
  '-l': { key: 'latest' }, '--latest': { key: 'latest' },
  '--no-trunc': { key: 'trunc', negate: true },
  '-q': { key: 'quiet' }, '--quiet': { key: 'quiet' },
  '-s': { key: 'size' }, '--size': { key: 'size' },
};

export interface FastCommand {
  readonly command: 'ps';
  readonly globals: GlobalFlags;
  /** As commander hands them to the action (with its default trunc: true). */
  readonly options: PsOptions;
}

function set(into: Record<string, unknown>, flag: Flag, value?: string): void {
  if (flag.many) into[flag.key] = [...(into[flag.key] as string[] | undefined ?? []), value];
  else into[flag.key] = flag.negate ? false : value ?? true;
}

/**
 * Reads flags from args[from]; returns the index of the first operand (args.length
 * at the end), or undefined for anything this reader does not take.
 */
function readFlags(args: readonly string[], from: number, flags: Flags, into: Record<string, unknown>): number | undefined {
  let i = from;
  let group: string | undefined;
  while (group !== undefined || i < args.length) {
    const arg = group ?? (args[i++] as string);
    group = undefined;
    if (arg.length < 2 || arg[0] !== '-') return i - 1;
    if (arg === '--') return undefined;
    let flag = flags[arg];
    if (flag) {
      if (flag.value) {
        const v = args[i++];
        if (v === undefined) return undefined;
        set(into, flag, v);
      } else set(into, flag);
      continue;
    }
    if (arg[1] !== '-') {
      flag = arg.length > 2 ? flags[arg.slice(0, 2)] : undefined;
      if (!flag) return undefined;
      if (flag.value) set(into, flag, arg.slice(2));
      else {
        set(into, flag);
        group = `-${arg.slice(2)}`;
      }
      continue;
    }
    const eq = arg.indexOf('=');
    flag = eq > 2 ? flags[arg.slice(0, eq)] : undefined;
    if (!flag?.value) return undefined;
    set(into, flag, arg.slice(eq + 1));
  }
  return i;
}

/** The command line as the fast path runs it, or undefined: commander's path handles it. */
export function fastCommand(argv: readonly string[]): FastCommand | undefined {
  const globals: Record<string, unknown> = {};
  let i = readFlags(argv, 0, globalFlags, globals);
  if (i === undefined || i >= argv.length) return undefined;
  if (argv[i] === 'ps') i += 1;
  else if (argv[i] === 'container' && ['ls', 'ps', 'list'].includes(argv[i + 1] as string)) i += 2;
  else return undefined;
  const options: Record<string, unknown> = { trunc: true };
  // ps takes no operand: one is docker's "accepts no arguments" error, written by main.ts.
  if (readFlags(argv, i, psFlags, options) !== argv.length) return undefined;
  return { command: 'ps', globals: globals as GlobalFlags, options: options as PsOptions };
}

// cli: the command lines that skip commander — `ps` (`container ls|ps|list`) and
// `images` (`image ls|images|list`) with their flags, and `run` (`container run`)
// with --rm, -d/--detach, --name and --network only, after berth's global options.
// Building commander's program and parsing with it is ~2.5 ms of a ~12 ms `berth ps`
// (bench/README.md, cli-start); this reads the same flags as commander reads them
// (program.ts, container-commands.ts, image-commands.ts): a flag taking a value takes
// the next argument whatever it is, `-abc` is `-a -b -c` until a flag that takes the
// rest (`-n5`), `--flag=v`, the last value wins, -f collects, operands may sit between
// flags. Anything else — help, an unknown flag, a missing value, an operand too many,
// `--` — returns undefined, and main.ts (commander) handles the whole command line as
// before, errors and all. `run`'s flags end at its image: what follows is the
// container's command, flags and all. fast-argv.test.ts checks that both parses agree.
import type { GlobalFlags } from './global-options.ts';
import type { PsOptions } from './commands/ps.ts';
import type { ImagesOptions } from './commands/image-list.ts';
import type { RunFlags } from './run-flags.ts';

interface Flag {
  readonly key: string;
  /** Takes a value (`<string>`). */
  readonly value?: true;
  /** Collects its values (-f). */
  readonly many?: true;
  /** `--no-x`: sets x to false. */
  readonly negate?: true;
  /** Also records the flag's name in this array (run's networkFlag: which of --network/--net gave each value). */
  readonly track?: string;
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

const imagesFlags: Flags = {
  '-a': { key: 'all' }, '--all': { key: 'all' },
  '--digests': { key: 'digests' },
  '-f': { key: 'filter', value: true, many: true }, '--filter': { key: 'filter', value: true, many: true },
  '--format': { key: 'format', value: true },
  '--no-trunc': { key: 'trunc', negate: true },
  '-q': { key: 'quiet' }, '--quiet': { key: 'quiet' },
};

// The few flags of the commonest `run` lines; commander's run has ~100 (run-options.ts).
const runFlags: Flags = {
  '--rm': { key: 'rm' },
  '-d': { key: 'detach' }, '--detach': { key: 'detach' },
  '--name': { key: 'name', value: true },
  '--network': { key: 'network', value: true, many: true, track: 'networkFlag' },
};

/** A listing the fast path runs (fast-list.ts); options as commander hands them to the action (with its default trunc: true). */
export type FastListCommand =
  | { readonly command: 'ps'; readonly globals: GlobalFlags; readonly options: PsOptions }
  | { readonly command: 'images'; readonly globals: GlobalFlags; readonly repository: string | undefined; readonly options: ImagesOptions };
/** A `run` the fast path runs (fast-run.ts): its image, the container's command, its options as commander hands them. */
export type FastRunCommand = { readonly command: 'run'; readonly globals: GlobalFlags; readonly image: string; readonly args: readonly string[]; readonly options: RunFlags };
export type FastCommand = FastListCommand | FastRunCommand;

/** Each command: its words (with its group's aliases), its flags, how many operands it takes. */
const commands = [
  { command: 'ps', top: 'ps', group: 'container', names: ['ls', 'ps', 'list'], flags: psFlags, operands: 0 },
  { command: 'images', top: 'images', group: 'image', names: ['ls', 'images', 'list'], flags: imagesFlags, operands: 1 },
  { command: 'run', top: 'run', group: 'container', names: ['run'], flags: runFlags, operands: Infinity },
] as const;

function set(into: Record<string, unknown>, flag: Flag, name: string, value?: string): void {
  if (flag.many) into[flag.key] = [...(into[flag.key] as string[] | undefined ?? []), value];
  else into[flag.key] = flag.negate ? false : value ?? true;
  if (flag.track) into[flag.track] = [...(into[flag.track] as string[] | undefined ?? []), name];
}

/**
 * Reads flags from args[from]. Without `operands`, stops at the first operand and
 * returns its index (args.length at the end); with it, collects operands and reads on
 * (commander's leaf commands). Undefined for anything this reader does not take.
 */
function readFlags(args: readonly string[], from: number, flags: Flags, into: Record<string, unknown>, operands?: string[]): number | undefined {
  let i = from;
  let group: string | undefined;
  while (group !== undefined || i < args.length) {
    const arg = group ?? (args[i++] as string);
    group = undefined;
    if (arg.length < 2 || arg[0] !== '-') {
      if (!operands) return i - 1;
      operands.push(arg);
      continue;
    }
    if (arg === '--') return undefined;
    let flag = flags[arg];
    if (flag) {
      if (flag.value) {
        const v = args[i++];
        if (v === undefined) return undefined;
        set(into, flag, arg, v);
      } else set(into, flag, arg);
      continue;
    }
    if (arg[1] !== '-') {
      flag = arg.length > 2 ? flags[arg.slice(0, 2)] : undefined;
      if (!flag) return undefined;
      if (flag.value) set(into, flag, arg.slice(0, 2), arg.slice(2));
      else {
        set(into, flag, arg.slice(0, 2));
        group = `-${arg.slice(2)}`;
      }
      continue;
    }
    const eq = arg.indexOf('=');
    flag = eq > 2 ? flags[arg.slice(0, eq)] : undefined;
    if (!flag?.value) return undefined;
    set(into, flag, arg.slice(0, eq), arg.slice(eq + 1));
  }
  return i;
}

/** The command line as the fast path runs it, or undefined: commander's path handles it. */
export function fastCommand(argv: readonly string[]): FastCommand | undefined {
  const globals: Record<string, unknown> = {};
  let i = readFlags(argv, 0, globalFlags, globals);
  if (i === undefined || i >= argv.length) return undefined;
  const word = argv[i];
  const next = argv[i + 1] as string;
  const c = commands.find((x) => word === x.top || (word === x.group && (x.names as readonly string[]).includes(next)));
  if (!c) return undefined;
  i += word === c.top ? 1 : 2;
  if (c.command === 'run') {
    // commander's defaults for run (run-options.ts), then the flags up to the image.
    const options: Record<string, unknown> = { healthcheck: true, pull: 'missing' };
    const at = readFlags(argv, i, c.flags, options);
    const image = at === undefined ? undefined : argv[at];
    if (at === undefined || image === undefined) return undefined;
    return { command: 'run', globals: globals as GlobalFlags, image, args: argv.slice(at + 1), options: options as RunFlags };
  }
  const options: Record<string, unknown> = { trunc: true };
  const operands: string[] = [];
  // More operands than the command takes is docker's "accepts no arguments" error, written by main.ts.
  if (readFlags(argv, i, c.flags, options, operands) === undefined || operands.length > c.operands) return undefined;
  if (c.command === 'ps') return { command: 'ps', globals: globals as GlobalFlags, options: options as PsOptions };
  return { command: 'images', globals: globals as GlobalFlags, repository: operands[0], options: options as ImagesOptions };
}

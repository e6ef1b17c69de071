// cli: what docker's help and usage errors need to know about a command beyond
// commander's metadata — cobra's Use line, Long text, the "aliases" annotation,
// the positional-argument rule (cli/required.go), the API version a command or
// flag needs, and the default pflag prints for a flag. Recorded next to each
// command's definition; read only when a help text or a usage error is printed
// (src/cli/help/ and main.ts).
import type { Command } from 'commander';

/** docker's cobra.PositionalArgs for a command (cli/required.go). */
export type ArgsRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'any' }
  | { readonly kind: 'exact'; readonly n: number }
  | { readonly kind: 'min'; readonly n: number }
  | { readonly kind: 'max'; readonly n: number }
  | { readonly kind: 'range'; readonly min: number; readonly max: number };

export interface CommandHelp {
  /** What follows the command's name in cobra's Use ("[OPTIONS] CONTAINER", "COMMAND", ""). */
  readonly use?: string;
  /** cobra's Long, printed instead of the short description. */
  readonly long?: string;
  /** The "aliases" annotation: command paths without the program name ("container ls", "ps"). */
  readonly aliases?: readonly string[];
  /** The rule for positional arguments when commander's arguments do not say it. */
  readonly args?: ArgsRule;
  /** docker's annotations that hide the command from a daemon that cannot serve it (see FlagHelp). */
  readonly needs?: Needs;
  /** Its place among the top-level "Common Commands" (docker's "category-top" annotation). */
  readonly top?: number;
  /** Listed as docker lists a CLI plugin (compose): "compose*". */
  readonly plugin?: boolean;
  /** The command has a `--help` flag of its own (run, create: -h is --hostname), shown with the options. */
  readonly ownHelpFlag?: boolean;
}

export interface FlagHelp {
  /** pflag's DefValue when it is not the zero value: printed as `(default …)`, quoted for string flags. */
  readonly def?: string;
  /** docker's annotations that hide the flag from a daemon that cannot serve it. */
  readonly needs?: Needs;
}

/**
 * docker's "version", "experimental", "ostype" and "swarm" annotations: help
 * leaves a flag or command out when the daemon (or DOCKER_API_VERSION) cannot
 * serve it (cmd/docker's hideUnsupportedFeatures).
 */
export interface Needs {
  /** The lowest API version that has it. */
  readonly version?: string;
  readonly experimental?: boolean;
  /** "windows": only for a daemon on that OS. */
  readonly osType?: string;
  /** "manager": only on a swarm manager. */
  readonly swarm?: string;
}

/**
 * The stand-in for a command that is not built this run (program.ts builds only
 * the one named on the command line): its options and actions go nowhere, and
 * nothing is recorded for it.
 */
export const skippedCommand = new Proxy({} as Command, { get: (_t, _k, receiver: unknown) => () => receiver });

const commands = new WeakMap<Command, CommandHelp>();
const flags = new WeakMap<Command, Record<string, FlagHelp>>();

/** Records docker's help facts for a command; returns the command for chaining. */
export function describeCommand<C extends Command>(cmd: C, help: CommandHelp): C {
  if (cmd === skippedCommand) return cmd;
  commands.set(cmd, { ...commands.get(cmd), ...help });
  return cmd;
}

/**
 * Records, by long flag name, what docker's help shows of a command's flags
 * beyond their usage text: a string is the default (pflag's DefValue).
 */
export function describeFlags<C extends Command>(cmd: C, help: Record<string, FlagHelp | string>): C {
  if (cmd === skippedCommand) return cmd;
  const all = { ...flags.get(cmd) };
  for (const [name, h] of Object.entries(help)) all[name] = { ...all[name], ...(typeof h === 'string' ? { def: h } : h) };
  flags.set(cmd, all);
  return cmd;
}

export function commandHelp(cmd: Command): CommandHelp {
  return commands.get(cmd) ?? {};
}

export function flagHelp(cmd: Command, name: string): FlagHelp {
  return flags.get(cmd)?.[name] ?? {};
}

/** The rule for a command's positional arguments: recorded, else read from its commander arguments. */
export function argsRule(cmd: Command): ArgsRule {
  const given = commandHelp(cmd).args;
  if (given) return given;
  const args = cmd.registeredArguments;
  const required = args.filter((a) => a.required).length;
  if (args.some((a) => a.variadic)) return required > 0 ? { kind: 'min', n: required } : { kind: 'any' };
  const optional = args.length - required;
  if (optional === 0) return required === 0 ? { kind: 'none' } : { kind: 'exact', n: required };
  return required === 0 ? { kind: 'max', n: optional } : { kind: 'range', min: required, max: args.length };
}

/** `docker container ls` for the command (the root named as the program). */
export function commandPath(cmd: Command, programName: string): string {
  const names: string[] = [];
  for (let x: Command | null = cmd; x && x.parent; x = x.parent) names.unshift(x.name());
  return [programName, ...names].join(' ');
}

/** cobra's UseLine: the parent's command path, then the command's Use. */
export function useLine(cmd: Command, programName: string): string {
  const use = commandHelp(cmd).use ?? cmd.usage();
  const head = cmd.parent ? `${commandPath(cmd.parent, programName)} ${cmd.name()}` : programName;
  return use === '' ? head : `${head} ${use}`;
}

const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');

/**
 * docker's error for `n` positional arguments that break the command's rule
 * (cli/required.go, with its "SRun" typo), or undefined when they keep it.
 */
export function argsError(cmd: Command, n: number, programName: string): string | undefined {
  const rule = argsRule(cmd);
  const path = commandPath(cmd, programName);
  const usage = `\n\nUsage:  ${useLine(cmd, programName)}\n\n`;
  switch (rule.kind) {
    case 'any': return undefined;
    case 'none':
      if (n === 0) return undefined;
      return `${programName}: '${path}' accepts no arguments${usage}Run '${path} --help' for more information`;
    case 'exact':
      if (n === rule.n) return undefined;
      return `${programName}: '${path}' requires ${rule.n} ${plural(rule.n)}${usage}Run '${path} --help' for more information`;
    case 'min':
      if (n >= rule.n) return undefined;
      return `${programName}: '${path}' requires at least ${rule.n} ${plural(rule.n)}${usage}See '${path} --help' for more information`;
    case 'max':
      if (n <= rule.n) return undefined;
      return `${programName}: '${path}' requires at most ${rule.n} ${plural(rule.n)}${usage}SRun '${path} --help' for more information`;
    case 'range':
      if (n >= rule.min && n <= rule.max) return undefined;
      return `${programName}: '${path}' requires at least ${rule.min} and at most ${rule.max} ${plural(rule.max)}${usage}Run '${path} --help' for more information`;
  }
}

/** docker's FlagErrorFunc text: a flag problem, the use line, and where to read more (exit code 125). */
export function flagErrorText(cmd: Command, message: string, programName: string): string {
  return `${message}\n\nUsage:  ${useLine(cmd, programName)}\n\nRun '${commandPath(cmd, programName)} --help' for more information`;
}

// cli/help: reads a commander command (and the docker facts recorded for it
// in help-meta.ts) into what docker's usage template prints: the use line, the
// options as pflag flags, the sub-commands in cobra's groups.
import type { Command, Option } from 'commander';
import { commandHelp, commandPath, flagHelp, useLine, type Needs } from '../help-meta.ts';
import { versionLessThan, type ServerFacts } from './server-facts.ts';
import type { FlagUsage } from './flag-usages.ts';
import type { CommandEntry, HelpView } from './usage-template.ts';

/** cobra's minimum name padding for the command lists. */
const minNamePadding = 11;

export interface ViewOptions {
  readonly programName: string;
  /** What the daemon can serve: the help leaves out what it cannot. */
  readonly server: ServerFacts;
  /** docker's "additionalHelp" annotation of the root command. */
  readonly additionalHelp?: string | undefined;
}

/** Whether the daemon can serve a flag or command with these annotations (hideUnsupportedFeatures). */
function supported(needs: Needs | undefined, { server }: ViewOptions): boolean {
  if (!needs) return true;
  if (needs.experimental && !server.hasExperimental) return false;
  if (needs.osType !== undefined && server.osType !== '' && needs.osType !== server.osType) return false;
  if (needs.swarm === 'manager' && server.swarm && !server.swarm.controlAvailable) return false;
  if (needs.swarm === 'active' && server.swarm?.nodeState === 'inactive') return false;
  return needs.version === undefined || !versionLessThan(server.currentVersion, needs.version);
}

/**
 * Why the daemon cannot serve the command or one of its parents, in docker's
 * words (cmd/docker's areSubcommandsSupported), or undefined.
 */
export function unsupportedReason(cmd: Command, o: ViewOptions): string | undefined {
  const path = commandPath(cmd, o.programName);
  const { server } = o;
  for (let x: Command | null = cmd; x; x = x.parent) {
    const needs = commandHelp(x).needs;
    if (!needs) continue;
    if (needs.version !== undefined && versionLessThan(server.currentVersion, needs.version)) {
      return `${path} requires API version ${needs.version}, but the Docker daemon API version is ${server.currentVersion}`;
    }
    if (needs.osType !== undefined && server.osType !== '' && needs.osType !== server.osType) {
      return `${path} is only supported on a Docker daemon running on ${needs.osType}, but the Docker daemon is running on ${server.osType}`;
    }
    if (needs.experimental && !server.hasExperimental) return `${path} is only supported on a Docker daemon with experimental features enabled`;
  }
  return undefined;
}

/** The commander option as a pflag flag, or undefined for a hidden one. */
function flagOf(cmd: Command, opt: Option, o: ViewOptions): FlagUsage | undefined {
  if (opt.hidden || !opt.long) return undefined;
  const name = opt.long.slice(2);
  const meta = flagHelp(cmd, name);
  if (!supported(meta.needs, o)) return undefined;
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(opt.flags)?.[1];
  const varname = placeholder === undefined || placeholder === 'bool' ? '' : placeholder.replace(/\.\.\.$/, '');
  const type = varname === '' ? 'bool' : varname;
  let def = meta.def;
  if (def === undefined && opt.defaultValue !== undefined && !opt.negate) {
    const v: unknown = opt.defaultValue;
    // pflag leaves a zero value out: false for a bool, "" for a string, 0 for a number.
    if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && v !== false && v !== '' && v !== 0) def = String(v);
  }
  return { name, shorthand: opt.short?.slice(1), varname, usage: opt.description, defValue: def, type };
}

function flagsOf(cmd: Command, o: ViewOptions): FlagUsage[] {
  const help = (cmd as unknown as { _getHelpOption(): Option | null })._getHelpOption();
  const flags: FlagUsage[] = [];
  for (const opt of cmd.options) {
    if (opt === help) continue;
    const f = flagOf(cmd, opt, o);
    if (f) flags.push(f);
  }
  if (commandHelp(cmd).ownHelpFlag) flags.push({ name: 'help', varname: '', usage: 'Print usage', type: 'bool' });
  return flags;
}

const hidden = (cmd: Command) => (cmd as unknown as { _hidden: boolean })._hidden;
const runnable = (cmd: Command) => (cmd as unknown as { _actionHandler: unknown })._actionHandler != null;

/** cobra's IsAvailableCommand: shown, and runnable or with a command of its own to show. */
function available(cmd: Command, o: ViewOptions): boolean {
  if (hidden(cmd) || !supported(commandHelp(cmd).needs, o)) return false;
  return runnable(cmd) || commandHelp(cmd).plugin === true || cmd.commands.some((c) => available(c, o));
}

/** docker's "aliases" annotation, else cobra's: the command's path, then its aliases under its parent's. */
function aliasesLine(cmd: Command, annotated: readonly string[] | undefined, programName: string): string | undefined {
  if (annotated) return annotated.map((p) => `${programName} ${p}`).join(', ');
  if (cmd.aliases().length === 0 || !cmd.parent) return undefined;
  const parent = commandPath(cmd.parent, programName);
  return [commandPath(cmd, programName), ...cmd.aliases().map((a) => `${parent} ${a}`)].join(', ');
}

const byName = (a: Command, b: Command) => (a.name() < b.name() ? -1 : a.name() > b.name() ? 1 : 0);

/** Everything docker's usage template shows for `cmd`. */
export function helpView(cmd: Command, o: ViewOptions): HelpView {
  const meta = commandHelp(cmd);
  const isRoot = cmd.parent === null;
  const children = [...cmd.commands].sort(byName);
  const entry = (c: Command): CommandEntry => ({ name: c.name(), short: c.description(), plugin: commandHelp(c).plugin === true });
  const isTop = (c: Command) => isRoot && commandHelp(c).top !== undefined;
  const isGroup = (c: Command) => commandHelp(c).plugin === true || c.commands.length > 0;
  const shown = children.filter((c) => available(c, o));
  const top = shown.filter(isTop).sort((a, b) => (commandHelp(a).top ?? 0) - (commandHelp(b).top ?? 0));
  return {
    commandPath: commandPath(cmd, o.programName),
    useLine: useLine(cmd, o.programName),
    short: cmd.description(),
    long: meta.long ?? '',
    hasParent: !isRoot,
    hasSubCommands: cmd.commands.length > 0,
    aliases: aliasesLine(cmd, meta.aliases, o.programName),
    flags: flagsOf(cmd, o),
    topCommands: top.map(entry),
    managementCommands: shown.filter((c) => !isTop(c) && isGroup(c)).map(entry),
    operationCommands: shown.filter((c) => !isTop(c) && !isGroup(c)).map(entry),
    namePadding: Math.max(minNamePadding, ...cmd.commands.map((c) => c.name().length)),
    additionalHelp: isRoot ? o.additionalHelp : undefined,
  };
}

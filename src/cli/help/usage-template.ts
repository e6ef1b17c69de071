// cli/help: docker's help text for one command — the usage template of
// docker/cli's cli/cobra.go (v28) rendered from a plain description of the
// command, with cobra's rules for padding command names.
import { flagUsagesWrapped, type FlagUsage } from './flag-usages.ts';

export interface CommandEntry {
  readonly name: string;
  readonly short: string;
  /** A CLI plugin: docker marks its name with "*". */
  readonly plugin?: boolean;
}

export interface HelpView {
  /** `docker volume`, `docker container ls`. */
  readonly commandPath: string;
  /** cobra's UseLine: the parent's path and the command's Use. */
  readonly useLine: string;
  readonly short: string;
  readonly long: string;
  readonly hasParent: boolean;
  /** cobra's HasSubCommands: any child at all, hidden ones included. */
  readonly hasSubCommands: boolean;
  /** The "aliases" line, program name included. */
  readonly aliases?: string | undefined;
  readonly flags: readonly FlagUsage[];
  readonly topCommands: readonly CommandEntry[];
  readonly managementCommands: readonly CommandEntry[];
  readonly operationCommands: readonly CommandEntry[];
  /** cobra's NamePadding: the longest child name, at least 11. */
  readonly namePadding: number;
  readonly additionalHelp?: string | undefined;
}

/** Go's %-*s: `s` padded with spaces to `n` characters. */
const rpad = (s: string, n: number) => s.padEnd(n, ' ');

const trimRightSpace = (s: string) => s.replace(/\s+$/, '');

/** The help text, as docker prints it for `cols` terminal columns (its width less one). */
export function renderUsage(view: HelpView, cols: number): string {
  let out = 'Usage:';
  if (!view.hasSubCommands) out += `  ${view.useLine}`;
  else out += `  ${view.commandPath}${view.flags.length > 0 ? ' [OPTIONS]' : ''} COMMAND`;
  out += '\n\n' + (view.long !== '' ? view.long.trim() : view.short.trim());
  if (view.aliases) out += `\n\nAliases:\n  ${view.aliases}`;
  if (view.hasParent && view.flags.length > 0) out += `\n\nOptions:\n${trimRightSpace(flagUsagesWrapped(view.flags, cols))}`;
  const decorated = (c: CommandEntry) => c.name + (c.plugin ? '*' : ' ');
  if (view.topCommands.length > 0) {
    out += '\n\nCommon Commands:';
    for (const c of view.topCommands) out += `\n  ${rpad(decorated(c), view.namePadding + 1)}${c.short}`;
  }
  if (view.managementCommands.length > 0) {
    out += '\n\nManagement Commands:';
    for (const c of view.managementCommands) out += `\n  ${rpad(decorated(c), view.namePadding + 1)}${c.short}`;
  }
  if (view.operationCommands.length > 0) {
    out += '\n\nCommands:';
    for (const c of view.operationCommands) out += `\n  ${rpad(c.name, view.namePadding)} ${c.short}`;
  }
  if (!view.hasParent && view.flags.length > 0) out += `\n\nGlobal Options:\n${trimRightSpace(flagUsagesWrapped(view.flags, cols))}`;
  if (view.hasSubCommands) out += `\n\nRun '${view.commandPath} COMMAND --help' for more information on a command.`;
  if (view.additionalHelp) out += `\n\n${view.additionalHelp}`;
  return out + '\n';
}

// cli: berth's commander Command. Help is not printed by commander: a request
// for it (--help, a group without its sub-command) is recorded and main.ts
// prints docker's text (src/cli/help/, loaded only then). The command that
// failed to parse is recorded too, so that usage errors name it as docker does.
import { Command } from 'commander';
import type { CommandHelp } from './help-meta.ts';

export interface HelpRequest {
  readonly command: Command;
  /** Asked for by a missing sub-command (`berth volume`): docker prints it on stderr. */
  readonly error: boolean;
}

let helpRequest: HelpRequest | undefined;
let failing: Command | undefined;
let acting: Command | undefined;

/** Records the command whose action runs (program.ts's preAction hook). */
export function setActingCommand(cmd: Command): void {
  acting = cmd;
}

/** The command whose action ran last, if any. */
export function actingCommand(): Command | undefined {
  return acting;
}

/** The help text asked for during the last parse, if any. */
export function takeHelpRequest(): HelpRequest | undefined {
  const r = helpRequest;
  helpRequest = undefined;
  return r;
}

/** The command whose parsing failed last (an unknown flag, a missing argument…). */
export function failingCommand(): Command | undefined {
  return failing;
}

export class BerthCommand extends Command {
  override createCommand(name?: string): BerthCommand {
    return new BerthCommand(name);
  }

  override outputHelp(context?: { error: boolean } | ((text: string) => string)): void {
    helpRequest = { command: this, error: typeof context === 'object' && context.error };
  }

  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    failing = this;
    return super.error(message, errorOptions);
  }
}

/**
 * Adds a sub-command with docker's use line ("[OPTIONS] CONTAINER"), short
 * description, commander aliases and help facts; a stand-in that goes nowhere
 * when the command line names another command.
 */
export type Sub = (parent: Command, name: string, usage: string, description: string, aliases?: string[], help?: CommandHelp) => Command;

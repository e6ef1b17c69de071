// compose: the `compose` command line — `berth compose` and the `berth-compose`
// program share it. The global flags (-f, -p, --project-directory, --profile,
// --env-file, -H, --context) load the project and choose the daemon; each
// sub-command lives in commands/ and drives the Engine API through client/ only.
import { Command } from 'commander';
import { collect, composeContext, type ComposeHooks } from './commands/context.ts';
import { addConfigCommand } from './commands/config.ts';
import { addUpCommand } from './commands/up.ts';
import { addDownCommand } from './commands/down.ts';
import { addPsCommand } from './commands/ps.ts';
import { addLogsCommand } from './commands/logs.ts';
import { addPauseCommands, addStartStopRestartCommands } from './commands/lifecycle.ts';
import { addKillCommand } from './commands/kill.ts';
import { addRmCommand } from './commands/rm.ts';
import { addBuildCommand } from './commands/build.ts';
import { addPullCommand } from './commands/pull.ts';
import { addPushCommand } from './commands/push.ts';
import { addImagesCommand } from './commands/images.ts';
import { addTopCommand } from './commands/top.ts';
import { addPortCommand } from './commands/port.ts';
import { addLsCommand } from './commands/ls.ts';
import { addExecCommand } from './commands/exec.ts';
import { addRunCommand } from './commands/run.ts';
import { addVersionCommand } from './commands/version.ts';

export type { ComposeHooks };

/** The compose program named `name` (its usage line), with every sub-command in Compose's order. */
export function composeProgram(name: string, hooks: ComposeHooks): Command {
  const program = new Command(name);
  program.exitOverride().showSuggestionAfterError(false).enablePositionalOptions()
    .usage('[OPTIONS] COMMAND')
    .description('Define and run multi-container applications with Docker')
    .option('-f, --file <file>', 'Compose configuration files', collect)
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Specify an alternate working directory')
    .option('--profile <profile>', 'Specify a profile to enable', collect)
    .option('--env-file <file>', 'Specify an alternate environment file', collect)
    .option('-H, --host <host>', 'Daemon socket to connect to')
    .option('-c, --context <context>', 'Name of the context to use to connect to the daemon')
    .helpOption('-h, --help', 'Print usage');
  const ctx = composeContext(program, hooks);
  for (const add of [
    addConfigCommand, addUpCommand, addDownCommand, addPsCommand, addLogsCommand, addStartStopRestartCommands,
    addKillCommand, addPauseCommands, addRmCommand, addBuildCommand, addPullCommand, addPushCommand, addImagesCommand,
    addTopCommand, addPortCommand, addLsCommand, addExecCommand, addRunCommand, addVersionCommand,
  ]) add(program, ctx);
  return program;
}

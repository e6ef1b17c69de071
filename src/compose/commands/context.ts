// compose/commands: what every sub-command gets from the program — the global
// flags (-f, -p, --project-directory, --profile, --env-file, -H, --context)
// turned into the loaded project, the session's client, and the berth command
// line that exec, run and push hand their work to.
import type { Command } from 'commander';
import type { EngineClient } from '../../client/index.ts';
import { resolveHost } from '../../client/index.ts';
import { getClient, setGlobalOptions } from '../../cli-kit/index.ts';
import { loadProject } from '../load.ts';
import type { Project } from '../model.ts';

/** How compose runs a plain berth command line (exec, run attach to containers through it); the program that hosts compose gives it. */
export interface ComposeHooks {
  readonly runCli: (argv: readonly string[]) => Promise<number>;
}

export interface GlobalFlags {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  profile?: string[];
  envFile?: string[];
  host?: string;
  context?: string;
}

export interface ComposeContext {
  /** The project the compose files describe. */
  project(): Promise<Project>;
  /** The project, or only its name (-p/COMPOSE_PROJECT_NAME) when no compose file is needed (down/ps of a named project). */
  projectOrName(): Promise<Project>;
  /** The session's client: the chosen host, else berth's socket. */
  client(): Promise<EngineClient>;
  /** Runs a berth command line against the same daemon; resolves to its exit code. */
  runCli(argv: readonly string[]): Promise<number>;
  out(text: string): void;
}

/** Repeated option values, in order. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** The daemon address chosen by -H, --context, DOCKER_HOST, DOCKER_CONTEXT or the docker config (undefined: berth's socket). */
function chosenHost(g: GlobalFlags): string | undefined {
  return resolveHost({ host: g.host, context: g.context });
}

function loadFromFlags(g: GlobalFlags): Promise<Project> {
  return loadProject({
    ...(g.file ? { files: g.file } : {}),
    ...(g.projectName ? { projectName: g.projectName } : {}),
    ...(g.projectDirectory ? { projectDirectory: g.projectDirectory } : {}),
    ...(g.profile ? { profiles: g.profile } : {}),
    ...(g.envFile ? { envFiles: g.envFile } : {}),
  });
}

/** The context of the sub-commands of `program`, whose global flags are read when a command runs. */
export function composeContext(program: Command, hooks: ComposeHooks): ComposeContext {
  const g = (): GlobalFlags => program.opts<GlobalFlags>();
  return {
    project: () => loadFromFlags(g()),
    async projectOrName() {
      try {
        return await loadFromFlags(g());
      } catch (e) {
        const name = g().projectName ?? process.env['COMPOSE_PROJECT_NAME'];
        if (!name) throw e;
        return { name, workingDir: process.cwd(), configFiles: [], services: [], disabled: [], networks: {}, volumes: {}, environment: {} };
      }
    },
    async client() {
      const host = chosenHost(g());
      setGlobalOptions(host !== undefined ? { host } : {});
      return getClient();
    },
    // berth commands run for compose (exec, run, push) talk to the same daemon.
    runCli(argv) {
      const host = chosenHost(g());
      return hooks.runCli(host !== undefined ? ['-H', host, ...argv] : argv);
    },
    out(text) {
      process.stdout.write(text);
    },
  };
}

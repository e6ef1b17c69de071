// client: docker contexts — which daemon address a context names. As the docker
// CLI decides: --context, else `default` when -H or DOCKER_HOST is given, else
// DOCKER_CONTEXT, else config.json's currentContext. A context's endpoint is
// read from $DOCKER_CONFIG/contexts/meta/<sha256 of its name>/meta.json (what
// `docker context create` writes); `default` names no address of its own.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalidArgument, notFound } from '../core/errors.ts';

export interface HostChoice {
  /** -H/--host as given. */
  readonly host?: string | undefined;
  /** -c/--context as given. */
  readonly context?: string | undefined;
}

/** The docker CLI's configuration directory: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['DOCKER_CONFIG'] || join(homedir(), '.docker');
}

/** The context in effect, as the docker CLI resolves it. */
export function contextName(choice: HostChoice, env: NodeJS.ProcessEnv = process.env): string {
  if (choice.context !== undefined && choice.context !== '') {
    if (choice.host !== undefined) throw invalidArgument('conflicting options: cannot specify both --host and --context');
    return choice.context;
  }
  if (choice.host !== undefined || env['DOCKER_HOST']) return 'default';
  if (env['DOCKER_CONTEXT']) return env['DOCKER_CONTEXT'];
  try {
    const config = JSON.parse(readFileSync(join(dockerConfigDir(env), 'config.json'), 'utf8')) as { currentContext?: unknown };
    if (typeof config.currentContext === 'string' && config.currentContext !== '') return config.currentContext;
  } catch {
    // no config, or not JSON: the default context
  }
  return 'default';
}

/**
 * The host the client should use: -H when given, a context's docker endpoint,
 * or undefined for the default context (DOCKER_HOST, then berth's socket).
 */
export function resolveHost(choice: HostChoice, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = contextName(choice, env);
  if (name === 'default') return choice.host;
  // node:crypto loads only here, for a named context: loading it costs every command's start a few ms.
  const meta = join(dockerConfigDir(env), 'contexts', 'meta', process.getBuiltinModule('node:crypto').createHash('sha256').update(name).digest('hex'), 'meta.json');
  let text: string;
  try {
    text = readFileSync(meta, 'utf8');
  } catch {
    throw notFound(`unable to resolve docker endpoint: context "${name}": context not found: open ${meta}: no such file or directory`);
  }
  const parsed = JSON.parse(text) as { Endpoints?: { docker?: { Host?: unknown } } };
  const host = parsed.Endpoints?.docker?.Host;
  if (typeof host !== 'string' || host === '') throw invalidArgument(`context "${name}" has no docker endpoint`);
  return host;
}

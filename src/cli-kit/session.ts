// cli-kit: what every berth and compose command shares — the connected client (starting berthd when
// berth is root and nothing answers on berth's default socket), docker's error
// wording and exit codes (writing to stdout/stderr is stdio.ts).
import { existsSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineClient, isConnectError } from '../client/index.ts';
import { isBerthError } from '../core/errors.ts';
import { berthdEnv, berthdNodeFlags } from '../lib/node-flags.ts';
import { err } from './stdio.ts';

export const programName = 'berth';

/** Ends the command with an exit code after its message was printed. */
export class ExitError extends Error {
  constructor(readonly exitCode: number, message = '') {
    super(message);
    this.name = 'ExitError';
  }
}

export interface GlobalOptions {
  host?: string;
  logLevel?: string;
}

let globals: GlobalOptions = {};
export function setGlobalOptions(o: GlobalOptions): void {
  globals = o;
}


/** True in the CLI compiled by Bun (dist/berth): process.execPath is berth itself, not Node. */
const compiled = process.versions['bun'] !== undefined;

/** The berthd bundle next to this program (dist/), found from the script that ran (or the compiled binary). */
function berthdPath(): string | undefined {
  let script = (compiled ? process.execPath : process.argv[1]) ?? '';
  try {
    script = realpathSync(script);
  } catch {
    // keep the path as given
  }
  const here = dirname(script);
  for (const p of [join(here, 'berthd.mjs'), join(here, '../dist/berthd.mjs'), join(here, '../../dist/berthd.mjs')]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface AutostartFacts {
  /** Nobody chose the address: no -H, no DOCKER_HOST, no context — berth's default socket. */
  readonly isDefaultHost: boolean;
  readonly uid: number | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** The berthd program found next to this one, if any. */
  readonly berthd: string | undefined;
}

/**
 * Whether berth may start a berthd because nothing answered: only as root, only
 * on berth's default socket. An address somebody chose (-H, DOCKER_HOST, a
 * context) that nothing listens on is an error, as in docker, which never starts
 * a daemon. BERTH_NO_AUTOSTART=1: tests and scripts that must never start one.
 */
export function mayStartDaemon(f: AutostartFacts): boolean {
  return f.isDefaultHost && f.berthd !== undefined && f.uid === 0 && f.env['BERTH_NO_AUTOSTART'] !== '1';
}

async function startDaemon(client: EngineClient): Promise<boolean> {
  const script = berthdPath();
  if (!mayStartDaemon({ isDefaultHost: client.isDefaultHost, uid: process.getuid?.(), env: process.env, berthd: script }) || !script) return false;
  const logPath = '/var/log/berthd.log';
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, 'a');
  const { spawn } = await import('node:child_process');
  // berthd's own default address is berth's default socket.
  // berthd runs on Node: the compiled CLI's own executable is Bun's runtime, so Node is found on PATH.
  const child = spawn(compiled ? 'node' : process.execPath, [...berthdNodeFlags, script], { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...berthdEnv } });
  child.unref();
  err(`${programName}: started berthd (pid ${child.pid})\n`);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      client.negotiate((await client.ping()).apiVersion);
      return true;
    } catch (e) {
      if (!isConnectError(e)) throw e;
    }
  }
  return false;
}

let connected: EngineClient | undefined;

/**
 * The client for this invocation. It does not ping first (one round trip less
 * at start-up): the first request that finds no daemon starts berthd (root,
 * default socket: see mayStartDaemon) and is retried; an older daemon's version
 * is negotiated on demand.
 */
export async function getClient(): Promise<EngineClient> {
  if (connected) return connected;
  // As the docker CLI: DOCKER_API_VERSION fixes the version, and nothing is negotiated.
  const fixed = process.env['DOCKER_API_VERSION'] || undefined;
  const client: EngineClient = new EngineClient({
    ...(globals.host !== undefined ? { host: globals.host } : {}),
    ...(fixed !== undefined ? { version: fixed, negotiate: false } : {}),
    onConnectFailure: async () => {
      if (await startDaemon(client)) return true;
      throw new ExitError(1, `Cannot connect to the Docker daemon at unix://${client.socketPath}. Is the docker daemon running?`);
    },
  });
  connected = client;
  return client;
}

/** docker's wording for an error from the daemon (or a local failure). */
export function describeError(e: unknown): string {
  if (isBerthError(e)) return `Error response from daemon: ${e.message}`;
  if (e instanceof ExitError) return e.message;
  if (isConnectError(e)) return `Cannot connect to the Docker daemon. Is the docker daemon running?`;
  return e instanceof Error ? e.message : String(e);
}

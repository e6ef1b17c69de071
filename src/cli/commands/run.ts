// cli: `berth run` and `berth create` — create (pulling when the image is
// missing), attach before start, start, wait, and exit with the container's code;
// docker's 125/126/127 for failures of berth itself.
import { existsSync, writeFileSync } from 'node:fs';
import type { EngineClient } from '../../client/index.ts';
import { detachKeysProblem, monitorTtySize, streamIo } from './attach-io.ts';
import type { ContainerCreateBody } from '../../client/index.ts';
import { isBerthError, isNotFound } from '../../core/errors.ts';
import { familiarName, parseReference, repositoryName, withDefaultTag } from '../../core/reference.ts';
import { buildCreateBody, FlagError } from '../run-flags.ts';
import type { RunFlags } from '../run-flags.ts';
import { ExitError, describeError, err, getClient, isTerminal, out, programName, stdoutStream } from '../../cli-kit/index.ts';

function runFailure(cmd: string, message: string, code: number): ExitError {
  return new ExitError(code, `${programName}: ${message}\n\nRun '${programName} ${cmd} --help' for more information`);
}

/**
 * A flag docker refuses: a value pflag could not parse ("invalid argument … for
 * … flag", with the use line: cli's FlagErrorFunc), or one the options' parse
 * refused afterwards (prefixed with the program's name, without it).
 */
function flagFailure(cmd: string, message: string): ExitError {
  if (!message.startsWith('invalid argument "')) return runFailure(cmd, message, 125);
  return new ExitError(125, `${message}\n\nUsage:  ${programName} ${cmd} [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun '${programName} ${cmd} --help' for more information`);
}

/** docker's --sig-proxy: signals sent to `berth run` go to the container instead. */
export function proxySignals(client: EngineClient, id: string): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const handler = (signal: NodeJS.Signals) => {
    client.containerKill(id, { signal }).catch(() => undefined);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/** docker's mapping of a start failure to 126 (cannot run) or 127 (not found). */
export function startFailureCode(message: string): number {
  if (message.includes('executable file not found') || message.includes('no such file or directory')) return 127;
  if (message.includes('permission denied')) return 126;
  return 125;
}

/** docker's pull query: the full repository name, and the tag (or digest) apart. */
function pullTarget(image: string): { display: string; fromImage: string; tag: string } {
  try {
    const ref = withDefaultTag(parseReference(image));
    return { display: familiarName(ref), fromImage: repositoryName(ref), tag: ref.digest ?? ref.tag ?? 'latest' };
  } catch {
    return { display: image, fromImage: image, tag: 'latest' };
  }
}

async function pull(image: string, flags: RunFlags): Promise<void> {
  // docker run shows the pull's progress on stderr, with credentials from config.json.
  await (await import('./registry.ts')).pullImage(image, { toStderr: true, quiet: !!flags.quiet, ...(flags.platform ? { platform: flags.platform } : {}) });
}

/** docker's --cidfile: refused when the file exists, written once the container is created. */
function checkCidfile(path: string | undefined): void {
  if (path !== undefined && existsSync(path)) throw new ExitError(125, `${programName}: container ID file found, make sure the other container isn't running or delete ${path}`);
}

async function createContainer(client: EngineClient, body: ContainerCreateBody, flags: RunFlags): Promise<string> {
  const opts = { ...(flags.name !== undefined ? { name: flags.name } : {}), ...(flags.platform ? { platform: flags.platform } : {}) };
  checkCidfile(flags.cidfile);
  const apiSocket = flags.useApiSocket ? await import('../api-socket.ts') : undefined;
  if (apiSocket) {
    try {
      apiSocket.addApiSocket(body, client, process.env['DOCKER_HOST'] ?? '');
    } catch (e) {
      throw new ExitError(125, `${programName}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const created = async () => {
    const r = await client.containerCreate(body, opts);
    for (const w of r.Warnings ?? []) err(`WARNING: ${w}\n`);
    if (flags.cidfile !== undefined) writeFileSync(flags.cidfile, r.Id, { flag: 'wx' });
    if (apiSocket) await apiSocket.copyApiSocketConfig(client, r.Id);
    return r.Id;
  };
  if (flags.pull === 'always') await pull(body.Image, flags);
  try {
    return await created();
  } catch (e) {
    if (flags.pull === 'never' || flags.pull === 'always' || !isNotFound(e) || !/image/i.test(e.message)) throw e;
    if (!flags.quiet) err(`Unable to find image '${pullTarget(body.Image).display}' locally\n`);
    await pull(body.Image, flags);
    return created();
  }
}

/** docker's --sig-proxy (default true; `--sig-proxy=false` turns it off). */
export function sigProxyOn(value: boolean | string | undefined): boolean {
  return value === undefined || value === true || !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(String(value));
}

export async function createCommand(image: string, command: string[], flags: RunFlags): Promise<void> {
  const client = await getClient();
  let body: ContainerCreateBody;
  try {
    body = buildCreateBody(image, command, { ...flags, detach: true });
  } catch (e) {
    if (e instanceof FlagError) throw flagFailure('create', e.message);
    throw e;
  }
  try {
    const id = await createContainer(client, body, flags);
    out(`${id}\n`);
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
}

export async function runCommand(image: string, command: string[], flags: RunFlags): Promise<void> {
  let body: ContainerCreateBody;
  try {
    body = buildCreateBody(image, command, flags);
  } catch (e) {
    if (e instanceof FlagError) throw flagFailure('run', e.message);
    throw e;
  }
  if (flags.tty && flags.interactive && !flags.detach && !process.stdin.isTTY) {
    throw new ExitError(1, 'the input device is not a TTY');
  }
  if (flags.detach && flags.attach) throw new ExitError(1, 'conflicting options: cannot specify both --attach and --detach');
  const keysProblem = detachKeysProblem(flags.detachKeys);
  if (keysProblem) throw runFailure('run', keysProblem, 125);
  // docker's CLI sends the window size with create, so that the TTY has it from the first byte.
  if (flags.tty && isTerminal(1) && body.HostConfig) {
    const [width, height] = stdoutStream().getWindowSize();
    if (width > 0 && height > 0) body.HostConfig.ConsoleSize = [height, width];
  }
  const client = await getClient();
  let id: string;
  try {
    id = await createContainer(client, body, flags);
  } catch (e) {
    throw runFailure('run', describeError(e), 125);
  }
  if (flags.detach) {
    try {
      await client.containerStart(id);
    } catch (e) {
      throw runFailure('run', describeError(e), isBerthError(e) ? startFailureCode(e.message) : 125);
    }
    out(`${id}\n`);
    return;
  }
  const attached = await client.containerAttach(id, { stdin: !!body.AttachStdin, stdout: body.AttachStdout !== false, stderr: body.AttachStderr !== false, ...(flags.detachKeys ? { detachKeys: flags.detachKeys } : {}) });
  // Without -i the write side stays open: a daemon may treat a half-close as hang-up.
  // -it on a terminal: keys go to the container as typed (docker's raw mode).
  const io = streamIo(attached, { tty: !!flags.tty, stdin: !!flags.interactive, ...(flags.detachKeys ? { detachKeys: flags.detachKeys } : {}) });
  const waited = client.containerWait(id, { condition: flags.rm ? 'removed' : 'next-exit' });
  waited.catch(() => undefined);
  const stopProxy = sigProxyOn(flags.sigProxy) ? proxySignals(client, id) : () => undefined;
  try {
    await client.containerStart(id);
  } catch (e) {
    stopProxy();
    attached.socket.destroy();
    if (flags.rm) await client.containerRemove(id, { force: true }).catch(() => undefined);
    throw runFailure('run', describeError(e), isBerthError(e) ? startFailureCode(e.message) : 125);
  }
  const stopResize = flags.tty ? monitorTtySize((size) => client.containerResize(id, size)) : () => undefined;
  const { detached } = await io;
  stopResize();
  if (detached) {
    // ctrl-p ctrl-q: the container keeps running; docker exits 0 without a word.
    stopProxy();
    throw new ExitError(0);
  }
  const result = await waited.finally(stopProxy);
  if (result.Error?.Message) err(`${programName}: Error response from daemon: ${result.Error.Message}\n`);
  throw new ExitError(result.StatusCode);
}

/** `berth start -a`: attach, start, and exit with the container's code. */
export async function startAttached(client: EngineClient, id: string, interactive: boolean, detachKeys?: string): Promise<void> {
  const keysProblem = detachKeysProblem(detachKeys);
  if (keysProblem) throw new ExitError(1, keysProblem);
  const info = await client.containerInspect(id);
  const tty = !!info.Config?.Tty;
  const keys = detachKeys ? { detachKeys } : {};
  const attached = await client.containerAttach(id, { stdin: interactive, stdout: true, stderr: true, ...keys });
  const io = streamIo(attached, { tty, stdin: interactive, ...keys });
  const waited = client.containerWait(id, { condition: 'next-exit' });
  waited.catch(() => undefined);
  await client.containerStart(id);
  const stopResize = tty ? monitorTtySize((size) => client.containerResize(id, size)) : () => undefined;
  const { detached } = await io;
  stopResize();
  if (detached) throw new ExitError(0);
  const result = await waited;
  throw new ExitError(result.StatusCode);
}

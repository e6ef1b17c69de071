// cli: `berth run` and `berth create` — create (pulling when the image is
// missing), attach before start, start, wait, and exit with the container's code;
// docker's 125/126/127 for failures of berth itself.
import type { Socket } from 'node:net';
import type { EngineClient, HijackedStream } from '../../client/engine-client.ts';
import { readFrames } from '../../client/multiplex.ts';
import { readJsonMessages } from '../../client/json-stream.ts';
import type { ContainerCreateBody } from '../../client/types.ts';
import { isBerthError, isNotFound } from '../../core/errors.ts';
import { familiarName, parseReference, repositoryName, withDefaultTag } from '../../core/reference.ts';
import { buildCreateBody, FlagError } from '../run-flags.ts';
import type { RunFlags } from '../run-flags.ts';
import { ExitError, describeError, err, getClient, out, programName } from '../session.ts';

function runFailure(cmd: string, message: string, code: number): ExitError {
  return new ExitError(code, `${programName}: ${message}\n\nRun '${programName} ${cmd} --help' for more information`);
}

function flagFailure(cmd: string, message: string): ExitError {
  return new ExitError(125, `${message}\n\nUsage:  ${programName} ${cmd} [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun '${programName} ${cmd} --help' for more information`);
}

/** docker's --sig-proxy: signals sent to `berth run` go to the container instead. */
function proxySignals(client: EngineClient, id: string): () => void {
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

async function pull(client: EngineClient, image: string): Promise<void> {
  const t = pullTarget(image);
  const res = await client.imagePull(t.fromImage, t.tag);
  for await (const m of readJsonMessages(res)) {
    if (m.error) throw new Error(m.error);
  }
}

async function createContainer(client: EngineClient, body: ContainerCreateBody, name: string | undefined): Promise<string> {
  const opts = name !== undefined ? { name } : {};
  try {
    const r = await client.containerCreate(body, opts);
    for (const w of r.Warnings ?? []) err(`WARNING: ${w}\n`);
    return r.Id;
  } catch (e) {
    if (!isNotFound(e) || !/image/i.test(e.message)) throw e;
    err(`Unable to find image '${pullTarget(body.Image).display}' locally\n`);
    await pull(client, body.Image);
    const r = await client.containerCreate(body, opts);
    return r.Id;
  }
}

/** Copies the attach stream to our stdout/stderr; resolves when the daemon closes it. */
async function pumpOutput(stream: HijackedStream, tty: boolean): Promise<void> {
  async function* source(): AsyncGenerator<Buffer> {
    if (stream.head.length > 0) yield stream.head;
    for await (const c of stream.output ?? stream.socket) yield c as Buffer;
  }
  const write = (stream: NodeJS.WriteStream, data: Buffer) =>
    new Promise<void>((resolve) => (stream.write(data) ? resolve() : stream.once('drain', resolve)));
  if (tty) {
    for await (const c of source()) await write(process.stdout, c);
    return;
  }
  for await (const f of readFrames(source())) await write(f.stream === 2 ? process.stderr : process.stdout, f.data);
}

function pumpInput(socket: Socket): void {
  process.stdin.on('data', (c) => socket.write(c));
  // Half-close: the container sees EOF on stdin while we keep reading its output.
  process.stdin.on('end', () => socket.end());
  process.stdin.on('error', () => socket.end());
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
    const id = await createContainer(client, body, flags.name);
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
  const client = await getClient();
  let id: string;
  try {
    id = await createContainer(client, body, flags.name);
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
  const attached = await client.containerAttach(id, { stdin: !!flags.interactive, stdout: true, stderr: true });
  // A failed start closes the attach early: that is not an error of its own.
  const output = pumpOutput(attached, !!flags.tty).catch(() => undefined);
  // Without -i the write side stays open: a daemon may treat a half-close as hang-up.
  if (flags.interactive) pumpInput(attached.socket);
  // -it on a terminal: keys go to the container as typed (docker's raw mode).
  const raw = !!flags.tty && !!flags.interactive && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  process.once('exit', () => { if (raw) process.stdin.setRawMode(false); });
  const waited = client.containerWait(id, { condition: flags.rm ? 'removed' : 'next-exit' });
  waited.catch(() => undefined);
  const stopProxy = proxySignals(client, id);
  try {
    await client.containerStart(id);
  } catch (e) {
    stopProxy();
    attached.socket.destroy();
    if (flags.rm) await client.containerRemove(id, { force: true }).catch(() => undefined);
    throw runFailure('run', describeError(e), isBerthError(e) ? startFailureCode(e.message) : 125);
  }
  await output;
  if (flags.interactive) process.stdin.destroy();
  const result = await waited.finally(stopProxy);
  if (result.Error?.Message) err(`${programName}: Error response from daemon: ${result.Error.Message}\n`);
  throw new ExitError(result.StatusCode);
}

/** `berth start -a`: attach, start, and exit with the container's code. */
export async function startAttached(client: EngineClient, id: string, interactive: boolean): Promise<void> {
  const info = await client.containerInspect(id);
  const attached = await client.containerAttach(id, { stdin: interactive, stdout: true, stderr: true });
  const output = pumpOutput(attached, !!info.Config?.Tty).catch(() => undefined);
  if (interactive) pumpInput(attached.socket);
  const waited = client.containerWait(id, { condition: 'next-exit' });
  waited.catch(() => undefined);
  await client.containerStart(id);
  await output;
  if (interactive) process.stdin.destroy();
  const result = await waited;
  throw new ExitError(result.StatusCode);
}

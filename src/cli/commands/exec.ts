// cli: `berth exec` — runs a command in a running container through the exec
// API: detached (-d) returns at once; otherwise our stdio is connected (stdin
// with -i, a TTY with -t, resized with our window) and the command's exit code
// becomes ours.
import { readFileSync } from 'node:fs';
import type { ExecCreateBody } from '../../client/index.ts';
import { parseEnvFile, resolveEnv } from '../run-flags.ts';
import { ExitError, describeError, getClient, isTerminal, programName, stdoutStream } from '../../cli-kit/index.ts';
import { detachKeysProblem, monitorTtySize, streamIo } from './attach-io.ts';

export interface ExecFlags {
  detach?: boolean;
  detachKeys?: string;
  env?: string[];
  envFile?: string[];
  interactive?: boolean;
  privileged?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
}

/** A flag value pflag refused, with docker's use line (cli's FlagErrorFunc). */
function usageFailure(message: string): ExitError {
  return new ExitError(125, `${message}\n\nUsage:  ${programName} exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nRun '${programName} exec --help' for more information`);
}

/** `berth exec` (its arguments were counted by the command table: a container and a command). */
export async function execCommand(container: string, command: string[], flags: ExecFlags): Promise<void> {
  const keysProblem = detachKeysProblem(flags.detachKeys);
  if (keysProblem) throw new ExitError(1, keysProblem);
  const env: string[] = [];
  for (const f of flags.envFile ?? []) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      throw new ExitError(1, `open ${f}: no such file or directory`);
    }
    try {
      env.push(...parseEnvFile(text, process.env, f));
    } catch (e) {
      throw new ExitError(1, (e as Error).message);
    }
  }
  try {
    env.push(...resolveEnv(flags.env ?? []));
  } catch (e) {
    throw usageFailure((e as Error).message);
  }
  const detach = !!flags.detach;
  const tty = !!flags.tty;
  const stdin = !!flags.interactive && !detach;
  if (tty && stdin && !process.stdin.isTTY) throw new ExitError(1, 'the input device is not a TTY');
  const body: ExecCreateBody = {
    Cmd: [...command],
    AttachStdin: stdin,
    AttachStdout: !detach,
    AttachStderr: !detach,
    Tty: tty,
    Privileged: !!flags.privileged,
    ...(env.length > 0 ? { Env: env } : {}),
    ...(flags.user !== undefined ? { User: flags.user } : {}),
    ...(flags.workdir !== undefined ? { WorkingDir: flags.workdir } : {}),
    ...(flags.detachKeys ? { DetachKeys: flags.detachKeys } : {}),
  };
  if (tty && isTerminal(1)) {
    const [width, height] = stdoutStream().getWindowSize();
    if (width > 0 && height > 0) body.ConsoleSize = [height, width];
  }
  const client = await getClient();
  let execId: string;
  try {
    execId = (await client.execCreate(container, body)).Id;
    if (detach) {
      await client.execStartDetached(execId, { Tty: tty });
      return;
    }
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  let stream;
  try {
    stream = await client.execStartAttached(execId, { Tty: tty, ...(body.ConsoleSize ? { ConsoleSize: body.ConsoleSize } : {}) });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const stopResize = tty ? monitorTtySize((size) => client.execResize(execId, size)) : () => undefined;
  let detached: boolean;
  try {
    ({ detached } = await streamIo(stream, { tty, stdin, ...(flags.detachKeys ? { detachKeys: flags.detachKeys } : {}) }));
  } finally {
    stopResize();
  }
  if (detached) throw new ExitError(0);
  // The daemon ends the stream once the exit code is recorded; poll briefly in case it is not yet.
  for (let i = 0; i < 50; i++) {
    const info = await client.execInspect(execId);
    if (!info.Running && info.ExitCode !== null) throw new ExitError(info.ExitCode);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ExitError(1, 'the exec did not report an exit code');
}

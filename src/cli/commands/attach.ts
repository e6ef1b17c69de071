// cli: `berth attach` — connects our terminal to a running container's stdio
// (stdin when the container keeps it open and --no-stdin is not given),
// resizes its TTY with our window, proxies signals without a TTY, detaches on
// the detach keys, and otherwise exits with the container's exit code.
import { ExitError, describeError, getClient } from '../../cli-kit/index.ts';
import { detachKeysProblem, monitorTtySize, streamIo } from './attach-io.ts';
import { proxySignals, sigProxyOn } from './run.ts';

export interface AttachFlags {
  /** commander's --no-stdin: false when given. */
  stdin?: boolean;
  sigProxy?: boolean | string;
  detachKeys?: string;
}

export async function attachCommand(name: string, flags: AttachFlags): Promise<void> {
  const keysProblem = detachKeysProblem(flags.detachKeys);
  if (keysProblem) throw new ExitError(1, keysProblem);
  const client = await getClient();
  let id: string;
  let tty: boolean;
  let stdin: boolean;
  try {
    const info = await client.containerInspect(name);
    const state = info.State;
    if (state?.Status === 'paused') throw new ExitError(1, 'You cannot attach to a paused container, unpause it first');
    if (!state?.Running) throw new ExitError(1, 'You cannot attach to a stopped container, start it first');
    id = info.Id;
    tty = !!info.Config?.Tty;
    stdin = flags.stdin !== false && !!info.Config?.OpenStdin;
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(1, describeError(e));
  }
  if (tty && stdin && !process.stdin.isTTY) throw new ExitError(1, 'the input device is not a TTY');
  // Registered first, so that an exit while we attach is still seen.
  const waited = client.containerWait(id, { condition: 'not-running' });
  waited.catch(() => undefined);
  let attached;
  try {
    attached = await client.containerAttach(id, { stdin, stdout: true, stderr: true, ...(flags.detachKeys ? { detachKeys: flags.detachKeys } : {}) });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const stopProxy = !tty && sigProxyOn(flags.sigProxy) ? proxySignals(client, id) : () => undefined;
  const stopResize = tty ? monitorTtySize((size) => client.containerResize(id, size)) : () => undefined;
  try {
    const { detached } = await streamIo(attached, { tty, stdin, ...(flags.detachKeys ? { detachKeys: flags.detachKeys } : {}) });
    if (detached) throw new ExitError(0);
    const result = await waited;
    throw new ExitError(result.StatusCode);
  } finally {
    stopResize();
    stopProxy();
  }
}

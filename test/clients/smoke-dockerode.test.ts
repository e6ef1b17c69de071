// Smoke scenarios with dockerode (newest from npm): ping, the shapes of
// version and info, and a container's life (create, list, start, wait, logs,
// inspect, remove) behave the same against berthd as against the oracle.
import type Dockerode from 'dockerode';
import { clientTargets, dockerode, sameOnBoth, shape } from './harness.ts';

clientTargets();

/** The frames of a multiplexed (non-TTY) log stream: [stream, text]. */
function frames(buf: Buffer): [number, string][] {
  const out: [number, string][] = [];
  for (let at = 0; at + 8 <= buf.length;) {
    const size = buf.readUInt32BE(at + 4);
    out.push([buf[at]!, buf.subarray(at + 8, at + 8 + size).toString()]);
    at += 8 + size;
  }
  return out;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await p };
  } catch (err) {
    const e = err as { statusCode?: number; json?: { message?: string } };
    return { status: e.statusCode, message: e.json?.message };
  }
}

sameOnBoth('dockerode: ping, and the shapes of version and info', async (t) => {
  const d = dockerode(t);
  return {
    'ping': String(await d.ping()),
    'version shape': shape(await d.version()),
    'info shape': shape(await d.info()),
  };
});

sameOnBoth('dockerode: create, list, start, wait, logs, inspect and remove a container', async (t) => {
  const d = dockerode(t);
  const created = await d.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'], name: 'smoke-node', Labels: { smoke: 'yes' } });
  const listed = (await d.listContainers({ all: true, filters: { label: ['smoke=yes'] } })).map((c: Dockerode.ContainerInfo) => ({ Names: c.Names, Image: c.Image, Command: c.Command, State: c.State, Labels: c.Labels }));
  await created.start();
  const waited = await created.wait();
  const logs = frames(await created.logs({ stdout: true, stderr: true }));
  const info = await created.inspect();
  await created.remove();
  return {
    'create': { idLength: created.id.length },
    'list': listed,
    'wait': waited,
    'logs': logs,
    'inspect': { Name: info.Name, Path: info.Path, Args: info.Args, Status: info.State.Status, ExitCode: info.State.ExitCode, Image: info.Config.Image, Labels: info.Config.Labels },
    'inspect after remove': await failure(created.inspect()),
    'remove again': await failure(created.remove()),
  };
});

sameOnBoth('dockerode: a container\'s inspect has the oracle\'s shape', async (t) => {
  const d = dockerode(t);
  const c = await d.createContainer({ Image: 'busybox', Cmd: ['true'], name: 'smoke-shape' });
  const before = shape(await c.inspect());
  await c.start();
  await c.wait();
  return { 'created': before, 'exited': shape(await c.inspect()) };
});

// Container lifecycle transitions of the container service against a fake
// ContainerRuntime (no root, no processes): create, start, exit, restart by
// policy, stop, kill, pause/unpause, remove and wait, with docker's error kinds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConflict, isNotFound } from '../../core/errors.ts';
import type { ContainerSpec, HostSpec, RestartPolicy } from '../../core/types.ts';
import type { LocalImageStore } from '../../image/index.ts';
import { log, setLogLevel } from '../../lib/logger.ts';
import type { ContainerRuntime, CreateOptions, ExitStatus, RuntimeState } from '../../runtime/index.ts';
import { openMetadataStore, type Snapshotter } from '../../store/index.ts';
import type { VolumeStore } from '../../volume/index.ts';
import { ContainerMounts } from './mounts.ts';
import { ContainerRegistry } from './registry.ts';
import { LocalContainers } from './service.ts';

setLogLevel('error');

/** A runtime whose processes are records: a signal ends one unless it is ignored; `exit()` ends one as if it returned. */
class FakeRuntime implements ContainerRuntime {
  readonly binary = { name: 'fake', path: '/nonexistent/fake' };
  readonly procs = new Map<string, { state: RuntimeState; exit?: ExitStatus; waiters: ((s: ExitStatus) => void)[] }>();
  readonly signals: string[] = [];
  readonly calls: string[] = [];
  /** Signals the processes act on as if they ignored them. */
  readonly ignored = new Set<string>();
  #nextPid = 1000;

  /** Each prepareCreate: its id and whether its work is done (it takes 20 ms). */
  readonly prepares: { id: string; done: boolean; promise: Promise<void> }[] = [];
  /** What each create was handed as `prepared`. */
  readonly preparedSeen: (Promise<void> | undefined)[] = [];

  prepareCreate(id: string): Promise<void> {
    const entry = { id, done: false, promise: Promise.resolve() };
    entry.promise = new Promise<void>((r) => setTimeout(r, 20)).then(() => {
      entry.done = true;
    });
    this.prepares.push(entry);
    this.calls.push(`prepare ${id}`);
    return entry.promise;
  }
  async create(id: string, options: CreateOptions): Promise<{ pid: number }> {
    this.preparedSeen.push(options.prepared);
    const pid = this.#nextPid++;
    this.procs.set(id, { state: { status: 'created', pid }, waiters: [] });
    this.calls.push(`create ${id}`);
    return { pid };
  }
  async start(id: string): Promise<void> {
    const p = this.#proc(id);
    p.state = { ...p.state, status: 'running' };
    this.calls.push(`start ${id}`);
  }
  async kill(id: string, signal: string | number): Promise<void> {
    const sig = String(signal);
    this.signals.push(sig);
    if (this.ignored.has(sig)) return;
    this.exit(id, sig === 'SIGKILL' ? 137 : sig === 'SIGTERM' ? 143 : 130);
  }
  /** The process ends with `code`. */
  exit(id: string, code: number): void {
    const p = this.#proc(id);
    if (p.exit) return;
    p.exit = { exitCode: code, oomKilled: false, finishedAt: new Date().toISOString() };
    p.state = { ...p.state, status: 'stopped' };
    for (const w of p.waiters.splice(0)) w(p.exit);
  }
  /** While set, delete() waits for it: an exit being recorded stays in progress. */
  deleteGate: Promise<void> | undefined;
  async delete(id: string): Promise<void> {
    await this.deleteGate;
    this.procs.delete(id);
  }
  async state(id: string): Promise<RuntimeState | undefined> {
    return this.procs.get(id)?.state;
  }
  async exitStatus(id: string): Promise<ExitStatus | undefined> {
    return this.procs.get(id)?.exit;
  }
  waitExit(id: string, signal?: AbortSignal): Promise<ExitStatus> {
    const p = this.#proc(id);
    if (p.exit) return Promise.resolve(p.exit);
    return new Promise((resolve, reject) => {
      p.waiters.push(resolve);
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }
  async cleanup(): Promise<void> {}
  async conmonPid(): Promise<number | undefined> {
    return undefined;
  }
  async attach(): Promise<never> {
    throw new Error('the fake runtime has no monitor to attach to');
  }
  async resize(): Promise<void> {}
  async exec(): Promise<never> {
    throw new Error('the fake runtime runs no execs');
  }
  async pause(id: string): Promise<void> {
    const p = this.#proc(id);
    p.state = { ...p.state, status: 'paused' };
    this.calls.push(`pause ${id}`);
  }
  async resume(id: string): Promise<void> {
    const p = this.#proc(id);
    p.state = { ...p.state, status: 'running' };
    this.calls.push(`resume ${id}`);
  }
  async pids(id: string): Promise<number[]> {
    return [this.#proc(id).state.pid];
  }
  #proc(id: string) {
    const p = this.procs.get(id);
    if (!p) throw new Error(`no such process: ${id}`);
    return p;
  }
}

const host = (over: Partial<HostSpec> = {}): HostSpec => ({
  networkMode: 'none', autoRemove: false, binds: [], mounts: [], memory: 0, memoryReservation: 0, memorySwap: 0, nanoCpus: 0, cpuShares: 0,
  cpuQuota: 0, cpuPeriod: 0, cpusetCpus: '', pidsLimit: 0, privileged: false, capAdd: [], capDrop: [], securityOpt: [], readonlyRootfs: false,
  tmpfs: {}, ulimits: [], shmSize: 0, sysctls: {}, extraHosts: [], dns: [], dnsSearch: [], dnsOptions: [], init: false,
  restartPolicy: { name: 'no', maximumRetryCount: 0 }, logConfig: { type: 'json-file', config: {} }, portBindings: {}, publishAllPorts: false,
  devices: [], oomKillDisable: false, ...over,
});

const spec = (over: Partial<HostSpec> = {}): ContainerSpec => ({
  image: 'busybox', cmd: ['sleep', '1000'], env: [], labels: {}, tty: false, openStdin: false, stdinOnce: false, attachStdin: false,
  attachStdout: true, attachStderr: true, exposedPorts: [], volumes: [], networkDisabled: false, host: host(over),
});

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const root = await mkdtemp(join(tmpdir(), 'berth-lifecycle-'));
  const dataRoot = join(root, 'data');
  const execRoot = join(root, 'exec');
  await mkdir(join(dataRoot, 'containers'), { recursive: true });
  await mkdir(join(execRoot, 'containers'), { recursive: true });
  const meta = openMetadataStore(join(root, 'berth.db'));
  const image = { id: 'sha256:' + 'a'.repeat(64), chain: [], size: 0, config: { config: { Cmd: ['sh'] } } };
  const images = {
    resolve: async () => image,
    get: async () => image,
    ensureUnpacked: async () => undefined,
    gc: async () => undefined,
  } as unknown as LocalImageStore;
  const dir = (id: string, part: string) => join(root, 'rootfs', id, part);
  /** Runs first in the snapshotter's removeRootfs (a removal's purge): to hold it, or to fail it. */
  const hooks: { removeRootfs?: () => Promise<void>; mountRootfs?: () => Promise<void> } = {};
  const snapshotter = {
    prepareRootfs: async (id: string) => {
      await mkdir(dir(id, 'upper'), { recursive: true });
      return { upper: dir(id, 'upper'), work: dir(id, 'work'), merged: dir(id, 'merged'), lower: [] };
    },
    mountRootfs: async (id: string) => {
      await hooks.mountRootfs?.();
      await mkdir(dir(id, 'merged'), { recursive: true });
      return dir(id, 'merged');
    },
    unmountRootfs: async () => undefined,
    removeRootfs: async (id: string) => {
      await hooks.removeRootfs?.();
      await rm(join(root, 'rootfs', id), { recursive: true, force: true });
    },
    rootfsPaths: (id: string) => ({ upper: dir(id, 'upper'), work: dir(id, 'work'), merged: dir(id, 'merged'), lower: [] }),
    rootfsUsage: async () => 0,
  } as unknown as Snapshotter;
  const runtime = new FakeRuntime();
  const registry = new ContainerRegistry({ meta, log });
  const containers = new LocalContainers({
    registry, dataRoot, execRoot, meta, images, snapshotter, runtime, log,
    runtimeFor: async () => runtime,
    // No volumes in these tests: the store is never reached.
    mounts: new ContainerMounts({ store: {} as VolumeStore, log }),
  });
  t.after(async () => {
    await containers.close();
    meta.close();
    await rm(root, { recursive: true, force: true });
  });
  return { containers, runtime, registry, root, execRoot, hooks, rootfsDir: (id: string) => join(root, 'rootfs', id) };
}

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const restartPolicy = (name: RestartPolicy['name'], maximumRetryCount = 0): Partial<HostSpec> => ({ restartPolicy: { name, maximumRetryCount } });

test('a created container starts running, and its exit is recorded with the exit code', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec(), { name: 'web' });
  assert.equal((await containers.inspect('web')).state.status, 'created');
  assert.equal(await containers.start(id), true);
  assert.equal((await containers.inspect(id)).state.status, 'running');
  assert.equal(await containers.start(id), false, 'a second start is a no-op (304)');
  const exited = containers.wait(id, 'next-exit');
  runtime.exit(id, 3);
  assert.deepEqual(await exited, { exitCode: 3 });
  const c = await containers.inspect(id);
  assert.equal(c.state.status, 'exited');
  assert.equal(c.state.exitCode, 3);
});

test("a start readies the runtime's create while the rootfs mounts and hands that to the create", async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec());
  await containers.start(id);
  assert.deepEqual(runtime.calls, [`prepare ${id}`, `create ${id}`, `start ${id}`]);
  assert.equal(runtime.preparedSeen.length, 1);
  // The preparation follows the check for a previous run's leftovers: create gets it after that check.
  assert.ok(runtime.preparedSeen[0], 'create is handed the preparation');
  await runtime.preparedSeen[0];
  assert.equal(runtime.prepares[0]!.done, true, 'create waits for the preparation, not for work of its own');
});

test('a start that fails before the create ends only after the preparation it began, and leaves no bundle', async (t) => {
  const { containers, runtime, hooks, execRoot } = await setup(t);
  const { id } = await containers.create(spec());
  hooks.mountRootfs = async () => {
    throw new Error('mount failed here');
  };
  await assert.rejects(containers.start(id), /mount failed here/);
  assert.equal(runtime.prepares.length, 1);
  assert.equal(runtime.prepares[0]!.done, true, 'nothing of the start runs on after it failed');
  assert.equal(runtime.preparedSeen.length, 0, 'no create');
  assert.equal(existsSync(join(execRoot, 'containers', id)), false);
  assert.equal((await containers.inspect(id)).state.status, 'created');
});

test('an on-failure policy restarts a failed container with its restart count up, and stops at the maximum', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec(restartPolicy('on-failure', 1)));
  await containers.start(id);
  runtime.exit(id, 1);
  await until('it runs again', async () => (await containers.inspect(id)).state.status === 'running' && runtime.calls.filter((c) => c === `start ${id}`).length === 2);
  assert.equal((await containers.inspect(id)).restartCount, 1);
  runtime.exit(id, 1);
  await until('it stays exited', async () => (await containers.inspect(id)).state.status === 'exited');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await containers.inspect(id)).state.status, 'exited', 'the maximum retry count was reached');
});

test('an exit with code 0 under on-failure is not restarted', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec(restartPolicy('on-failure')));
  await containers.start(id);
  const exited = containers.wait(id, 'next-exit');
  runtime.exit(id, 0);
  await exited;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await containers.inspect(id)).state.status, 'exited');
  assert.equal((await containers.inspect(id)).restartCount, 0);
});

test('stop of a running container sends SIGTERM and returns once the exit is recorded', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec(restartPolicy('always')));
  await containers.start(id);
  assert.equal(await containers.stop(id), true);
  assert.deepEqual(runtime.signals, ['SIGTERM']);
  const c = await containers.inspect(id);
  assert.deepEqual([c.state.status, c.state.exitCode], ['exited', 143]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await containers.inspect(id)).state.status, 'exited', 'a stop by the user keeps the always policy from restarting it');
});

test('stop while an exit is being recorded cancels the restart that exit brings (unless-stopped)', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec(restartPolicy('unless-stopped')));
  await containers.start(id);
  let open!: () => void;
  runtime.deleteGate = new Promise((r) => (open = r));
  runtime.exit(id, 0);
  await until('the exit shows', async () => (await containers.inspect(id)).state.status === 'exited');
  const stopped = containers.stop(id, { timeout: 1 });
  open();
  runtime.deleteGate = undefined;
  await stopped;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await containers.inspect(id)).state.status, 'exited');
  assert.equal(runtime.calls.filter((c) => c === `start ${id}`).length, 1, 'no restart after the stop');
});

test('stop of a stopped container answers false and sends no signal', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec());
  assert.equal(await containers.stop(id), false);
  assert.deepEqual(runtime.signals, []);
});

test('stop of a paused container thaws it before the signal', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec());
  await containers.start(id);
  await containers.pause(id);
  assert.equal((await containers.inspect(id)).state.status, 'paused');
  assert.equal(await containers.stop(id), true);
  assert.deepEqual(runtime.calls.filter((c) => c.startsWith('pause') || c.startsWith('resume')), [`pause ${id}`, `resume ${id}`]);
  assert.equal((await containers.inspect(id)).state.status, 'exited');
});

test('stop waits out the timeout, then kills a container that ignores the stop signal', async (t) => {
  const { containers, runtime } = await setup(t);
  runtime.ignored.add('SIGTERM');
  const { id } = await containers.create(spec());
  await containers.start(id);
  assert.equal(await containers.stop(id, { timeout: 1 }), true);
  assert.deepEqual(runtime.signals, ['SIGTERM', 'SIGKILL']);
  assert.equal((await containers.inspect(id)).state.exitCode, 137);
});

test('kill returns once a SIGKILLed container is seen to exit, and kill of a stopped one is a Conflict', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec());
  await assert.rejects(containers.kill(id), (err: unknown) => isConflict(err) && /is not running/.test(String(err)));
  await containers.start(id);
  await containers.kill(id);
  assert.deepEqual(runtime.signals, ['SIGKILL']);
  assert.deepEqual([(await containers.inspect(id)).state.status, (await containers.inspect(id)).state.exitCode], ['exited', 137]);
});

test('pause of a stopped or paused container, unpause of a running one and start of a paused one are Conflicts', async (t) => {
  const { containers } = await setup(t);
  const { id } = await containers.create(spec());
  await assert.rejects(containers.pause(id), (err: unknown) => isConflict(err) && /is not running/.test(String(err)));
  await containers.start(id);
  await assert.rejects(containers.unpause(id), (err: unknown) => isConflict(err) && /is not paused/.test(String(err)));
  await containers.pause(id);
  await assert.rejects(containers.pause(id), (err: unknown) => isConflict(err) && /is already paused/.test(String(err)));
  await assert.rejects(containers.start(id), (err: unknown) => isConflict(err) && /paused container/.test(String(err)));
  await containers.unpause(id);
  assert.equal((await containers.inspect(id)).state.status, 'running');
});

test('remove of a running container without force is a Conflict; with force it is killed and removed', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec(), { name: 'busy' });
  await containers.start(id);
  await assert.rejects(containers.remove(id), (err: unknown) => isConflict(err) && /cannot remove a running container/.test(String(err)));
  const removed = containers.wait(id, 'removed');
  await containers.remove('busy', { force: true });
  assert.deepEqual(runtime.signals, ['SIGKILL']);
  assert.equal((await removed).exitCode, 137);
  await assert.rejects(containers.inspect(id), (err: unknown) => isNotFound(err));
  const again = await containers.create(spec(), { name: 'busy' });
  assert.notEqual(again.id, id, 'the name is free again');
});

test('wait not-running answers at once for a container that is not running, and next-exit waits for the exit', async (t) => {
  const { containers, runtime } = await setup(t);
  const { id } = await containers.create(spec());
  assert.deepEqual(await containers.wait(id, 'not-running'), { exitCode: 0 });
  await containers.start(id);
  let settled = false;
  const notRunning = containers.wait(id, 'not-running').then((r) => ((settled = true), r));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(settled, false, 'a running container is waited for');
  runtime.exit(id, 7);
  assert.deepEqual(await notRunning, { exitCode: 7 });
});

test('an aborted wait rejects with the abort reason', async (t) => {
  const { containers } = await setup(t);
  const { id } = await containers.create(spec());
  await containers.start(id);
  const ac = new AbortController();
  const waiting = containers.wait(id, 'next-exit', ac.signal);
  ac.abort(new Error('client went away'));
  await assert.rejects(waiting, /client went away/);
});

test('a name or id that names no container is NotFound for every operation', async (t) => {
  const { containers } = await setup(t);
  for (const op of [() => containers.start('ghost'), () => containers.stop('ghost'), () => containers.kill('ghost'), () => containers.remove('ghost'), () => containers.wait('ghost', 'not-running')]) {
    await assert.rejects(op(), (err: unknown) => isNotFound(err));
  }
  // dockerd wraps every kill failure, a missing container's too; stop, start and remove it does not.
  await assert.rejects(containers.kill('ghost'), (err: unknown) => isNotFound(err) && err.message === 'Cannot kill container: ghost: No such container: ghost');
  await assert.rejects(containers.stop('ghost'), (err: unknown) => isNotFound(err) && err.message === 'No such container: ghost');
});

test('a record made before berth kept mount points starts with its binds and tmpfs parsed as a create parses them', async (t) => {
  const { containers, registry, root, execRoot } = await setup(t);
  const { id } = await containers.create(spec());
  const src = join(root, 'host-dir');
  const { mountPoints: _none, ...old } = registry.find(id);
  registry.save({ ...old, spec: { ...old.spec, host: { ...old.spec.host, binds: [`${src}:/data:ro`], mounts: [{ type: 'tmpfs', source: '', target: '/scratch', readOnly: false }] } } });
  await containers.start(id);
  const config = JSON.parse(await readFile(join(execRoot, 'containers', id, 'config.json'), 'utf8')) as { mounts: { destination: string; type: string; source: string; options: string[] }[] };
  const data = config.mounts.find((m) => m.destination === '/data');
  assert.deepEqual(data && { source: data.source, ro: data.options.includes('ro'), rbind: data.options.includes('rbind') }, { source: src, ro: true, rbind: true });
  assert.equal(config.mounts.find((m) => m.destination === '/scratch')?.type, 'tmpfs');
  await readFile(join(src, '.')).catch((err: NodeJS.ErrnoException) => assert.equal(err.code, 'EISDIR', 'a missing bind source is made as a directory, as -v does'));
});

test('a record made before berth kept mount points that names a volume is refused at start', async (t) => {
  const { containers, registry } = await setup(t);
  const { id } = await containers.create(spec());
  const { mountPoints: _none, ...old } = registry.find(id);
  registry.save({ ...old, spec: { ...old.spec, host: { ...old.spec.host, binds: ['data:/data'] } } });
  await assert.rejects(containers.start(id), /named volumes are not supported yet: data:\/data/);
});

test('rm answers once the container is gone for users; its rootfs goes after, and removalsSettled waits for that', async (t) => {
  const { containers, hooks, rootfsDir } = await setup(t);
  const { id } = await containers.create(spec(), { name: 'purged' });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  hooks.removeRootfs = () => held;
  await containers.remove('purged');
  await assert.rejects(containers.inspect(id), (err: unknown) => isNotFound(err));
  assert.deepEqual((await containers.list({ all: true })).map((c) => c.id), []);
  // The name is free at once; the rootfs is still there while the purge is held.
  const again = await containers.create(spec(), { name: 'purged' });
  assert.ok(existsSync(join(rootfsDir(id), 'upper')), 'the rootfs went before the purge ran');
  let settled = false;
  const settling = containers.removalsSettled().then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false, 'removalsSettled resolved while a purge was held');
  release();
  await settling;
  assert.ok(!existsSync(rootfsDir(id)), 'the rootfs is still there once the purges settled');
  assert.equal((await containers.inspect('purged')).id, again.id);
});

test('a purge that fails leaves the container listed as dead, and the next rm removes it', async (t) => {
  const { containers, hooks } = await setup(t);
  const { id } = await containers.create(spec(), { name: 'stuck' });
  hooks.removeRootfs = async () => {
    throw new Error('unmount: device or resource busy');
  };
  await containers.remove('stuck');
  await containers.removalsSettled();
  const dead = await containers.inspect(id);
  assert.equal(dead.state.status, 'dead');
  assert.equal(dead.name, 'stuck');
  delete hooks.removeRootfs;
  await containers.remove(id);
  await containers.removalsSettled();
  await assert.rejects(containers.inspect(id), (err: unknown) => isNotFound(err));
});

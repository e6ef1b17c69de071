// Kubernetes' image volumes (a CRI Mount with `image`) on a private berthd
// serving the CRI, through crictl: images mounted read-only where the
// container asks (one image whole, another by a subpath), programs of the
// image run from there, ContainerStatus names the image and its id, an image
// mounted by a running container cannot be removed and one removed while its
// container is stopped keeps its layers until the container goes, the
// refusals containerd makes, and nothing left mounted after the container's
// removal — nor after berthd died between mounting a view and writing the
// container's record, or in the middle of a removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mounts, show } from '../integration/acceptance-support.ts';
import { ensureBusybox, type Daemon } from '../integration/harness.ts';
import { criBerthdForFile, startCriBerthd, type CriRuntime } from './cri-support.ts';

const cri = criBerthdForFile('/tmp/berth-cri-imgvol-', async (rt, work) => {
  // An image of two layers (busybox's and one of its own) with a directory to mount by subpath.
  const ctx = join(work, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN mkdir -p /data/sub && echo hello-from-image > /data/greeting && ln -s /data /data/sub/up\n');
  const built = await rt.daemon.berth(['build', '-q', '-t', 'ivol/data:1', ctx], { timeoutMs: 120_000 });
  assert.equal(built.code, 0, show(built));
});

/** The views a berthd has mounted (mount points under its data root's image-views/), with their superblock options. */
function viewMounts(d: Daemon): { mountPoint: string; fsType: string; superOptions: string }[] {
  const dir = join(d.dataRoot, 'image-views');
  return mounts().filter((m) => m.mountPoint.startsWith(`${dir}/`));
}

function viewDirs(d: Daemon): string[] {
  const dir = join(d.dataRoot, 'image-views');
  return existsSync(dir) ? readdirSync(dir) : [];
}

function writePod(dir: string, name: string): string {
  const path = join(dir, `${name}-pod.json`);
  writeFileSync(path, JSON.stringify({ metadata: { name, namespace: 'default', uid: `${name}-uid`, attempt: 0 }, linux: {} }));
  return path;
}

function writeContainer(dir: string, name: string, imageMounts: readonly object[]): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ metadata: { name }, image: { image: 'busybox' }, command: ['sleep', '3600'], mounts: imageMounts, linux: {} }));
  return path;
}

async function runPod(r: CriRuntime, podJson: string): Promise<string> {
  const runp = await r.crictl(['runp', podJson]);
  assert.equal(runp.code, 0, show(runp));
  return runp.stdout.trim();
}

test('image volumes are mounted read-only, run their programs, show in ContainerStatus, and go with the container', async () => {
  const r = cri.rt;
  const d = r.daemon;
  const podJson = writePod(cri.work, 'iv');
  const pod = await runPod(r, podJson);
  const dataId = JSON.parse((await r.crictl(['inspecti', 'ivol/data:1'])).stdout).status.id as string;
  const ctrJson = writeContainer(cri.work, 'iv', [
    { container_path: '/mnt/bb', image: { image: 'busybox' }, readonly: true },
    { container_path: '/mnt/data', image: { image: dataId }, image_sub_path: 'data/sub/up', readonly: true },
  ]);
  const created = await r.crictl(['create', pod, ctrJson, podJson]);
  assert.equal(created.code, 0, show(created));
  const id = created.stdout.trim();
  // Mounted at create (a missing subpath must fail the create), one read-only overlay per mount.
  const views = viewMounts(d);
  assert.equal(views.length, 2, JSON.stringify(views));
  for (const v of views) {
    assert.equal(v.fsType, 'overlay');
    assert.match(v.superOptions, /(^|,)ro(,|$)/, `${v.mountPoint} is read-only: ${v.superOptions}`);
  }
  assert.equal((await r.crictl(['start', id])).code, 0);

  const exec = (cmd: string[]) => r.crictl(['exec', '-s', id, ...cmd]);
  const greeting = await exec(['cat', '/mnt/data/greeting']);
  assert.equal(greeting.stdout.trim(), 'hello-from-image', `the subpath's link was followed inside the image: ${show(greeting)}`);
  const ran = await exec(['/mnt/bb/bin/busybox', 'echo', 'ran-from-volume']);
  assert.equal(ran.stdout.trim(), 'ran-from-volume', show(ran));
  for (const path of ['/mnt/bb/new-file', '/mnt/data/greeting']) {
    const write = await exec(['sh', '-c', `echo x >> ${path}`]);
    assert.notEqual(write.code, 0, `writing ${path} fails`);
    assert.match(write.stdout + write.stderr, /Read-only file system/, show(write));
  }

  const status = JSON.parse((await r.crictl(['inspect', id])).stdout) as { status: { mounts: { containerPath: string; readonly: boolean; image?: { image: string; imageRef?: string }; imageSubPath?: string }[] } };
  const byPath = new Map(status.status.mounts.map((m) => [m.containerPath, m]));
  const busyboxId = JSON.parse((await r.crictl(['inspecti', 'busybox'])).stdout).status.id as string;
  const named = (path: string) => {
    const img = byPath.get(path)?.image;
    return { image: img?.image, imageRef: img?.imageRef };
  };
  assert.deepEqual(named('/mnt/bb'), { image: 'busybox', imageRef: busyboxId });
  assert.deepEqual(named('/mnt/data'), { image: dataId, imageRef: dataId });
  assert.equal(byPath.get('/mnt/data')?.imageSubPath, 'data/sub/up');
  assert.equal(byPath.get('/mnt/data')?.readonly, true);

  // An image a running container mounts is in use; removed while its container is stopped, its
  // layers stay under the view until the container goes.
  const topLayer = (JSON.parse((await d.berth(['image', 'inspect', 'ivol/data:1'])).stdout) as { GraphDriver: { Data: { UpperDir: string } } }[])[0]!.GraphDriver.Data.UpperDir;
  const busy = await r.crictl(['rmi', dataId]);
  assert.notEqual(busy.code, 0, `removing an image a running container mounts fails: ${show(busy)}`);
  assert.match(busy.stderr, /being used by running container/);
  assert.equal((await r.crictl(['stop', id])).code, 0);
  const rmi = await r.crictl(['rmi', dataId]);
  assert.equal(rmi.code, 0, show(rmi));
  assert.equal((await r.crictl(['inspecti', dataId])).code, 1, 'the image is gone');
  assert.ok(existsSync(join(topLayer, 'data', 'greeting')), 'its layer stays while the container mounts it');
  assert.equal(viewMounts(d).length, 2);

  const rm = await r.crictl(['rm', id]);
  assert.equal(rm.code, 0, show(rm));
  assert.deepEqual(viewMounts(d), [], 'no view left mounted');
  assert.deepEqual(viewDirs(d), [], 'no view directory left');
  assert.equal(existsSync(topLayer), false, 'the removed image\'s layer went with the container');
  await r.crictl(['stopp', pod]);
  assert.equal((await r.crictl(['rmp', pod])).code, 0);
});

test('an image volume that is writable, names a missing image or a missing subpath is refused, and nothing stays mounted', async () => {
  const r = cri.rt;
  const podJson = writePod(cri.work, 'bad');
  const pod = await runPod(r, podJson);
  const cases: [string, object, RegExp][] = [
    ['writable', { container_path: '/mnt/v', image: { image: 'busybox' }, readonly: false }, /ImageVolumeMountFailed: readonly must be true while mount image/],
    ['absent', { container_path: '/mnt/v', image: { image: 'registry.invalid/absent:1' }, readonly: true }, /ImageVolumeMountFailed: failed to resolve image "registry.invalid\/absent:1": not found/],
    ['nosub', { container_path: '/mnt/v', image: { image: 'busybox' }, image_sub_path: 'not-there', readonly: true }, /ImageVolumeMountFailed: image subpath "not-there" does not exist in image "busybox"/],
    ['filesub', { container_path: '/mnt/v', image: { image: 'busybox' }, image_sub_path: 'bin/busybox', readonly: true }, /ImageVolumeMountFailed: image subpath "bin\/busybox" of image "busybox" is not a directory/],
  ];
  for (const [name, mount, text] of cases) {
    const c = await r.crictl(['create', pod, writeContainer(cri.work, name, [mount]), podJson]);
    assert.notEqual(c.code, 0, `${name}: ${show(c)}`);
    // crictl quotes the error in its log lines.
    assert.match(c.stderr.replaceAll('\\"', '"'), text, name);
  }
  assert.deepEqual(viewMounts(r.daemon), []);
  assert.deepEqual(viewDirs(r.daemon), []);
  assert.equal((await r.crictl(['ps', '-a', '-q', '-p', pod])).stdout.trim(), '', 'no container was made');
  await r.crictl(['stopp', pod]);
  assert.equal((await r.crictl(['rmp', pod])).code, 0);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until berthd (killed by its crash point) is gone. */
async function gone(pid: number): Promise<void> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((res) => setTimeout(res, 50));
  if (alive(pid)) throw new Error(`berthd ${pid} did not die at its crash point`);
}

test('a view whose container berthd died before recording, or died removing, is unmounted at its next start', async () => {
  // The harness reads this object at each (re)start: the test arms the next crash point between starts.
  const env: NodeJS.ProcessEnv = { BERTH_CRASH_AT: 'container.create.image-view-mounted' };
  const c = await startCriBerthd({ env });
  try {
    await ensureBusybox(c.daemon);
    const dir = mkdtempSync('/tmp/berth-cri-imgvol-crash-');
    try {
      const podJson = writePod(dir, 'crash');
      const pod = await runPod(c, podJson);
      const ctrJson = writeContainer(dir, 'crash', [{ container_path: '/mnt/bb', image: { image: 'busybox' }, readonly: true }]);

      // berthd dies with the view mounted and no record naming its container.
      let pid = c.daemon.pid;
      const died = await c.crictl(['create', pod, ctrJson, podJson]);
      assert.notEqual(died.code, 0, show(died));
      await gone(pid);
      assert.equal(viewMounts(c.daemon).length, 1, 'the view outlived berthd');
      env['BERTH_CRASH_AT'] = 'container.rm.dead';
      await c.daemon.restart();
      assert.deepEqual(viewMounts(c.daemon), [], 'the orphan view was unmounted at start');
      assert.deepEqual(viewDirs(c.daemon), []);

      // berthd dies removing a container: its record is dead, its rootfs and view still there.
      const created = await c.crictl(['create', pod, ctrJson, podJson]);
      assert.equal(created.code, 0, show(created));
      const id = created.stdout.trim();
      assert.equal((await c.crictl(['start', id])).code, 0);
      pid = c.daemon.pid;
      const rm = await c.crictl(['rm', '-f', id]);
      assert.notEqual(rm.code, 0, show(rm));
      await gone(pid);
      assert.equal(viewMounts(c.daemon).length, 1, 'the view outlived berthd');
      delete env['BERTH_CRASH_AT'];
      await c.daemon.restart();
      assert.deepEqual(viewMounts(c.daemon), [], 'the dead container\'s view went with its removal at start');
      assert.deepEqual(viewDirs(c.daemon), []);
      const ps = await c.crictl(['ps', '-a', '-q']);
      assert.equal(ps.code, 0, show(ps));
      assert.equal(ps.stdout.trim(), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch (err) {
    // A failure may leave berthd dead at a crash point: start it unarmed so that stop() can remove the pods.
    delete env['BERTH_CRASH_AT'];
    if (!alive(c.daemon.pid)) await c.daemon.restart().catch(() => undefined);
    await c.stop().catch(() => undefined);
    throw err;
  }
  await c.stop();
});

// berthd SIGKILLed at chosen points (BERTH_CRASH_AT, src/lib/crash-point.ts)
// in pull, build, commit, rm, network create and volume copy-up; a new
// berthd on the same roots must find a consistent store (no half image, no
// orphan blob, snapshot or layer row once its start-up gc ran, no container
// without its rootfs), finish what it can, and leave the host clean (no
// mount, netns, veth, iptables rule or cgroup of the daemon's containers).
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { mounts, processes } from '../integration/acceptance-support.ts';
import { ensureBusybox } from '../integration/harness.ts';
import { busyboxOciLayout, skopeo, startRegistry, type Registry } from '../integration/registry-support.ts';
import { faultDaemon, hostCounts, prefixOf, storeReport, type FaultDaemon } from './faults-support.ts';

/**
 * The store is sound and the host holds nothing for containers that are gone; the counts go to the test
 * output. A removal answers before its purge ends (the runtime's delete, the rootfs, the record's row:
 * engine/container/purges.ts), so a check made just after one waits up to 5 s for it.
 */
async function assertConsistent(t: TestContext, d: FaultDaemon, ids: ReadonlySet<string>, nets: { bridge: string; prefix: string }[] = []): Promise<void> {
  const all = [{ bridge: d.bridge, prefix: prefixOf(d.bip) }, ...nets];
  const clean = { halfImages: [], orphanBlobs: [], orphanSnapshots: [], orphanLayerRows: [], brokenContainers: [], scratch: [] };
  const cleanHost = { mounts: 0, netns: 0, veths: 0, rules: 0, cgroups: 0 };
  const deadline = Date.now() + 5_000;
  for (;;) {
    const report = storeReport(d.dataRoot);
    const { masquerade, ...counts } = hostCounts(d, all, ids);
    const settled = isDeepStrictEqual(report, clean) && isDeepStrictEqual(counts, cleanHost);
    if (settled || Date.now() > deadline) {
      t.diagnostic(`store after restart: ${JSON.stringify(report)}`);
      t.diagnostic(`host after restart: ${JSON.stringify({ ...counts, masquerade })}`);
      assert.deepEqual(report, clean);
      assert.deepEqual(counts, cleanHost);
      assert.ok(masquerade <= all.length, `${masquerade} NAT rules for ${all.length} networks`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Restarts berthd armed with `point`, runs `trigger` (which dies with
 * berthd), calls `between` while berthd is down, and starts berthd again,
 * waiting for its start-up gc.
 */
async function crashAt(d: FaultDaemon, point: string, trigger: () => Promise<unknown>, between?: () => Promise<void> | void): Promise<void> {
  await d.restart({ crashAt: point });
  await trigger().catch(() => undefined);
  await d.crashed();
  await between?.();
  await d.start();
  await d.waitLog(/start-up gc done/);
}

/** Files under `dir` that hold `text` (grep -rl; none is the good answer). */
function filesHolding(dir: string, text: string): string[] {
  const r = spawnSync('grep', ['-rlF', '--', text, dir], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

/** conmon processes of this daemon's containers. */
function conmons(d: FaultDaemon): number {
  return processes().filter((p) => p.comm === 'conmon' && p.cmdline.includes(d.root)).length;
}

async function containerIds(d: FaultDaemon): Promise<string[]> {
  const r = await d.request('GET', '/containers/json?all=1');
  return (JSON.parse(r.body.toString()) as { Id: string }[]).map((c) => c.Id);
}

async function imageIds(d: FaultDaemon): Promise<string[]> {
  const r = await d.request('GET', '/images/json?all=1');
  return (JSON.parse(r.body.toString()) as { Id: string }[]).map((i) => i.Id).sort();
}

function context(files: Record<string, string>): string {
  const dir = mkdtempSync('/tmp/berth-faults-ctx-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** One test's daemon: made fresh, stopped (and checked for leftover mounts and rules) after. */
async function withDaemon(t: TestContext, fn: (d: FaultDaemon) => Promise<void>): Promise<void> {
  const d = await faultDaemon();
  try {
    await fn(d);
  } catch (err) {
    // The test's own failure says more than what its daemon then left behind.
    await d.stop().catch(() => undefined);
    throw err;
  }
  const nat = await d.stop().catch((err: unknown) => {
    const warnings = d.log().split('\n').filter((l) => /"level":"(warn|error)"/.test(l));
    throw new Error(`${(err as Error).message}; berthd's warnings since its last start: ${warnings.join('\n')}`);
  });
  // A rule a killed berthd left is adopted by its successor and goes with its shutdown (network/masquerade.ts).
  assert.deepEqual(nat, [], `NAT rules left after berthd stopped (removed by the test): ${nat.join(' | ')}`);
}

describe('pull', () => {
  let reg: Registry;
  before(async () => { reg = await startRegistry(); });
  after(async () => { await reg?.stop(); });

  for (const point of ['pull.layers-staged', 'image.layers-installed']) {
    test(`a crash at ${point} leaves no half image and no orphan, and the pull then succeeds`, { timeout: 120_000 }, async (t) => {
      const img = busyboxOciLayout(point);
      const copied = skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/faults/pull:${point}`]);
      img.cleanup();
      assert.equal(copied.code, 0, copied.stderr);
      await withDaemon(t, async (d) => {
        const ref = `${reg.host}/faults/pull:${point}`;
        await crashAt(d, point, () => d.request('POST', `/images/create?fromImage=${encodeURIComponent(`${reg.host}/faults/pull`)}&tag=${point}`));
        assert.deepEqual(await imageIds(d), [], 'an image is listed after the crash');
        await assertConsistent(t, d, new Set());
        const again = await d.berth(['pull', ref]);
        assert.equal(again.code, 0, again.stderr);
        const marker = await d.berth(['run', '--rm', '--network', 'none', ref, 'sha256sum', '/marker']);
        assert.equal(marker.stdout.split(' ')[0], img.markerSha.slice(7), marker.stderr);
        await assertConsistent(t, d, new Set());
      });
    });
  }
});

describe('build', () => {
  test('a crash after a RUN step wrote its layer leaves no orphan and no step container', { timeout: 120_000 }, async (t) => {
    await withDaemon(t, async (d) => {
      await d.start();
      await ensureBusybox(d);
      const before = await imageIds(d);
      const dir = context({ Dockerfile: 'FROM busybox\nRUN echo layer > /f\n' });
      try {
        await crashAt(d, 'build.layer-written', () => d.berth(['build', '-t', 'crashed', dir]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      assert.deepEqual(await imageIds(d), before);
      assert.deepEqual(await containerIds(d), [], 'the step container outlived the build');
      await assertConsistent(t, d, new Set());
    });
  });

  test('a crash while a RUN step with a secret runs: the secret is never on disk nor mounted on the host, and the next start ends the step', { timeout: 120_000 }, async (t) => {
    await withDaemon(t, async (d) => {
      await d.start();
      await ensureBusybox(d);
      const secret = `faults-secret-${process.pid}-${Date.now()}`;
      const dir = context({ Dockerfile: 'FROM busybox\nRUN --mount=type=secret,id=tok sleep 60\n' });
      // Outside the context, as a client keeps it (the context is copied under the data root).
      const secretDir = context({ tok: secret });
      const secretFile = join(secretDir, 'tok');
      try {
        await crashAt(d, 'build.run-started', () => d.berth(['build', '--secret', `id=tok,src=${secretFile}`, dir]), () => {
          // berthd is gone, its step runs on under conmon: the secret lives only in the step's mount namespace.
          t.diagnostic(`step containers running while berthd is down: ${conmons(d)}`);
          assert.equal(conmons(d), 1, 'the RUN step should still run under its conmon');
          assert.deepEqual(mounts().filter((m) => m.source === 'berth-secrets').map((m) => m.mountPoint), [], 'a secret tmpfs is mounted on the host');
          assert.deepEqual(filesHolding(d.root, secret), [], 'the secret is on disk');
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(secretDir, { recursive: true, force: true });
      }
      assert.deepEqual(await containerIds(d), [], 'the RUN container of the dead build is still there');
      assert.equal(conmons(d), 0, 'the RUN step of the dead build still runs');
      await assertConsistent(t, d, new Set());
    });
  });

  test('a build cancelled by its client or by berthd stopping leaves no RUN container running', { timeout: 120_000 }, async (t) => {
    await withDaemon(t, async (d) => {
      await d.start();
      await ensureBusybox(d);
      const dir = context({ Dockerfile: 'FROM busybox\nRUN sleep 60\n' });
      try {
        // The client goes away in the middle of the step.
        const tarball = spawnSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 1 << 20 }).stdout;
        const req = request({ socketPath: d.socket, method: 'POST', path: '/build?nocache=1', headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(tarball.length) } });
        req.on('error', () => undefined);
        req.on('response', (res) => res.resume());
        req.end(tarball);
        await until(() => conmons(d) === 1, 30_000, 'the RUN step to start');
        req.destroy();
        await until(async () => conmons(d) === 0 && (await containerIds(d)).length === 0, 30_000, 'the step of a disconnected build to end and go');
        t.diagnostic('client disconnect: the RUN container was ended and removed');
        // berthd is told to stop in the middle of the step.
        const second = d.berth(['build', '--no-cache', dir]);
        await until(() => conmons(d) === 1, 30_000, 'the RUN step to start');
        await d.restart();
        await second.catch(() => undefined);
        assert.equal(conmons(d), 0, 'berthd stopped and left the RUN step running');
        assert.deepEqual(await containerIds(d), []);
        t.diagnostic('berthd stop: the RUN container was ended and removed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await assertConsistent(t, d, new Set());
    });
  });
});

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('commit', () => {
  test('a crash after commit wrote its layer leaves the container as it was and no orphan', { timeout: 120_000 }, async (t) => {
    await withDaemon(t, async (d) => {
      await d.start();
      await ensureBusybox(d);
      const made = await d.berth(['run', '--name', 'src', '--network', 'none', 'busybox', 'sh', '-c', 'echo changed > /f']);
      assert.equal(made.code, 0, made.stderr);
      const before = await imageIds(d);
      const ids = await containerIds(d);
      await crashAt(d, 'commit.layer-written', () => d.berth(['commit', 'src', 'committed']));
      assert.deepEqual(await imageIds(d), before);
      assert.deepEqual(await containerIds(d), ids);
      await assertConsistent(t, d, new Set(ids));
      const again = await d.berth(['commit', 'src', 'committed']);
      assert.equal(again.code, 0, again.stderr);
      const f = await d.berth(['run', '--rm', '--network', 'none', 'committed', 'cat', '/f']);
      assert.equal(f.stdout, 'changed\n', f.stderr);
      await d.berth(['rm', 'src']);
      await assertConsistent(t, d, new Set(ids));
    });
  });
});

describe('rm', () => {
  for (const [point, running] of [['container.rm.dead', true], ['container.rm.rootfs-removed', false]] as const) {
    test(`a crash at ${point} (${running ? 'rm -f of a running container' : 'rm of an exited one'}) is finished at the next start`, { timeout: 120_000 }, async (t) => {
      await withDaemon(t, async (d) => {
        await d.start();
        await ensureBusybox(d);
        const made = await d.berth(['run', '-d', '--name', 'victim', '-v', '/anon', 'busybox', ...(running ? ['sleep', '60'] : ['true'])]);
        assert.equal(made.code, 0, made.stderr);
        const id = made.stdout.trim();
        if (!running) await d.berth(['wait', id]);
        await crashAt(d, point, () => d.berth(['rm', '-f', 'victim']));
        assert.deepEqual(await containerIds(d), [], 'the removed container is back');
        const vols = await d.berth(['volume', 'ls', '-q']);
        assert.equal(vols.stdout.trim(), '', 'its anonymous volume outlived it');
        assert.equal(conmons(d), 0);
        await assertConsistent(t, d, new Set([id]));
        // Its name is free again.
        const reuse = await d.berth(['run', '--rm', '--name', 'victim', '--network', 'none', 'busybox', 'true']);
        assert.equal(reuse.code, 0, reuse.stderr);
      });
    });
  }
});

describe('network create', () => {
  for (const point of ['network.create.saved', 'network.create.bridged']) {
    test(`a crash at ${point} leaves a network that works and goes without a trace`, { timeout: 120_000 }, async (t) => {
      await withDaemon(t, async (d) => {
        await d.start();
        await ensureBusybox(d);
        await crashAt(d, point, () => d.berth(['network', 'create', 'crashnet']));
        const inspect = await d.request('GET', '/networks/crashnet');
        assert.equal(inspect.status, 200, 'the network record is gone though its creation got past the record');
        const n = JSON.parse(inspect.body.toString()) as { Id: string; IPAM: { Config: { Subnet: string; Gateway: string }[] }; Options: Record<string, string> };
        const net = { bridge: n.Options['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`, prefix: prefixOf(n.IPAM.Config[0]!.Gateway + '/24') };
        const ran = await d.berth(['run', '-d', '--network', 'crashnet', 'busybox', 'sleep', '60']);
        assert.equal(ran.code, 0, ran.stderr);
        const id = ran.stdout.trim();
        const ping = await d.berth(['run', '--rm', '--network', 'crashnet', 'busybox', 'ping', '-c', '1', '-W', '2', n.IPAM.Config[0]!.Gateway]);
        assert.equal(ping.code, 0, ping.stdout + ping.stderr);
        await d.berth(['rm', '-f', id]);
        const removed = await d.berth(['network', 'rm', 'crashnet']);
        assert.equal(removed.code, 0, removed.stderr);
        assert.equal(spawnSync('ip', ['link', 'show', net.bridge], { stdio: 'ignore' }).status, 1, `bridge ${net.bridge} outlived its network`);
        await assertConsistent(t, d, new Set([id]), [net]);
      });
    });
  }
});

describe('volume copy-up', () => {
  for (const point of ['volume.copy-up.copied', 'volume.copy-up.moving']) {
    test(`a crash at ${point} leaves no half-filled volume: the next start copies it up whole`, { timeout: 120_000 }, async (t) => {
      await withDaemon(t, async (d) => {
        await d.start();
        await ensureBusybox(d);
        const want = await d.berth(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls -a /bin | wc -l']);
        const made = await d.berth(['create', '--name', 'filler', '--network', 'none', '-v', 'filled:/bin', 'busybox', 'true']);
        assert.equal(made.code, 0, made.stderr);
        const id = made.stdout.trim();
        await crashAt(d, point, () => d.berth(['start', 'filler']));
        const start = await d.berth(['start', '-a', 'filler']);
        assert.equal(start.code, 0, start.stderr);
        const got = await d.berth(['run', '--rm', '--network', 'none', '-v', 'filled:/vol', 'busybox', 'sh', '-c', 'ls -a /vol | wc -l; ls -a /vol | grep -c berth-copy-up']);
        assert.deepEqual(got.stdout.trim().split('\n'), [want.stdout.trim(), '0'], `${got.stdout} ${got.stderr}`);
        await d.berth(['rm', 'filler']);
        await d.berth(['volume', 'rm', 'filled']);
        await assertConsistent(t, d, new Set([id]));
      });
    });
  }
});

// docker update against a real berthd: new limits reach a running container's
// cgroups at once (runc update), are kept for the next start, and a stopped
// container's update applies when it starts; bad updates get docker's errors.
import { show } from './acceptance-support.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

/** A cgroup v1 file of the container (berth's cgroupfs path /berth/<id>), or inside it through /proc on v2. */
async function cgroupValue(name: string, v1: string, v2: string): Promise<string> {
  const r = await d().berth(['exec', name, 'cat', `/sys/fs/cgroup/${v1}`]);
  if (r.code === 0) return r.stdout.trim();
  const id = (await d().berth(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
  try {
    return readFileSync(`/sys/fs/cgroup/${v1.split('/')[0]}/berth/${id}/${v1.split('/').slice(1).join('/')}`, 'utf8').trim();
  } catch {
    return readFileSync(`/sys/fs/cgroup/berth/${id}/${v2}`, 'utf8').trim();
  }
}

async function limits(name: string): Promise<{ memory: string; pids: string; quota: string }> {
  return {
    memory: await cgroupValue(name, 'memory/memory.limit_in_bytes', 'memory.max'),
    pids: await cgroupValue(name, 'pids/pids.max', 'pids.max'),
    quota: (await cgroupValue(name, 'cpu/cpu.cfs_quota_us', 'cpu.max')).split(' ')[0] ?? '',
  };
}

test('update changes a running container\'s limits at once and they survive a restart', { timeout: 90_000 }, async () => {
  const r = await d().berth(['run', '-d', '--name', 'upd', '-m', '64m', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  assert.equal((await limits('upd')).memory, String(64 * 1024 * 1024));
  const u = await d().berth(['update', '-m', '128m', '--memory-swap', '256m', '--cpus', '0.5', '--pids-limit', '50', '--restart', 'on-failure:3', 'upd']);
  assert.equal(u.code, 0, show(u));
  assert.equal(u.stdout, 'upd\n');
  assert.deepEqual(await limits('upd'), { memory: String(128 * 1024 * 1024), pids: '50', quota: '50000' });
  const hc = await d().berth(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'upd']);
  assert.equal(hc.stdout.trim(), `${128 * 1024 * 1024} ${256 * 1024 * 1024} 500000000 50 on-failure:3`);
  assert.equal((await d().berth(['restart', '-t', '0', 'upd'])).code, 0);
  assert.deepEqual(await limits('upd'), { memory: String(128 * 1024 * 1024), pids: '50', quota: '50000' });
  assert.equal((await d().berth(['rm', '-f', 'upd'])).code, 0);
});

test('update of a stopped container applies at its next start', { timeout: 60_000 }, async () => {
  const c = await d().berth(['create', '--name', 'upd2', 'busybox', 'sleep', '1000']);
  assert.equal(c.code, 0, show(c));
  const u = await d().berth(['update', '--pids-limit', '33', 'upd2']);
  assert.equal(u.code, 0, show(u));
  assert.equal((await d().berth(['start', 'upd2'])).code, 0);
  assert.equal((await limits('upd2')).pids, '33');
  assert.equal((await d().berth(['rm', '-f', 'upd2'])).code, 0);
});

test('update refuses what docker refuses', { timeout: 60_000 }, async () => {
  const none = await d().berth(['update', 'nosuch']);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /you must provide one or more flags when using this command/, show(none));
  const missing = await d().berth(['update', '-m', '64m', 'nosuch']);
  assert.equal(missing.code, 1, show(missing));
  assert.match(missing.stderr, /No such container: nosuch/, show(missing));
  const c = await d().berth(['run', '-d', '--rm', '--name', 'upd3', 'busybox', 'sleep', '1000']);
  assert.equal(c.code, 0, show(c));
  const small = await d().berth(['update', '-m', '1m', 'upd3']);
  assert.match(small.stderr, /Minimum memory limit allowed is 6MB/, show(small));
  const rp = await d().berth(['update', '--restart', 'always', 'upd3']);
  assert.match(rp.stderr, /Restart policy cannot be updated because AutoRemove is enabled for the container/, show(rp));
  assert.equal((await d().berth(['rm', '-f', 'upd3'])).code, 0);
});

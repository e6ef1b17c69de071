// The real docker CLI against berthd for the lifecycle features: restart
// policies, health checks, update, --init and a seccomp profile file (which the
// docker CLI sends inline); and the OOM acceptance check (-m 64m ends in 137
// with OOMKilled).
import { show, until } from './acceptance-support.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

async function dockerInspect(name: string, format: string): Promise<string> {
  const r = await d().docker(['inspect', '-f', format, name]);
  assert.equal(r.code, 0, show(r));
  return r.stdout.trim();
}

test('docker run --restart on-failure:2 restarts twice, then the container stays Exited (1)', { timeout: 60_000 }, async () => {
  const r = await d().docker(['run', '-d', '--name', 'dk-onfail', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
  assert.equal(r.code, 0, show(r));
  await until('two restarts', 20_000, async () => ((await dockerInspect('dk-onfail', '{{.State.Status}} {{.RestartCount}}')) === 'exited 2' ? true : undefined));
  const ps = await d().docker(['ps', '-a', '--filter', 'name=dk-onfail', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Exited \(1\) /, show(ps));
  assert.equal((await d().docker(['rm', 'dk-onfail'])).code, 0);
});

test('docker run --health-cmd is unhealthy until docker exec touches the file, then healthy', { timeout: 60_000 }, async () => {
  const r = await d().docker(['run', '-d', '--name', 'dk-hc', '--health-cmd', 'test -f /ok', '--health-interval', '500ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  await until('unhealthy', 20_000, async () => ((await dockerInspect('dk-hc', '{{.State.Health.Status}}')) === 'unhealthy' ? true : undefined));
  assert.equal((await d().docker(['exec', 'dk-hc', 'touch', '/ok'])).code, 0);
  await until('healthy', 20_000, async () => ((await dockerInspect('dk-hc', '{{.State.Health.Status}}')) === 'healthy' ? true : undefined));
  const ps = await d().docker(['ps', '--filter', 'name=dk-hc', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Up .* \(healthy\)\n$/, show(ps));
  assert.equal((await d().docker(['rm', '-f', 'dk-hc'])).code, 0);
});

test('docker update changes limits and the restart policy of a running container', { timeout: 60_000 }, async () => {
  const r = await d().docker(['run', '-d', '--name', 'dk-upd', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  const u = await d().docker(['update', '-m', '96m', '--pids-limit', '40', '--restart', 'unless-stopped', 'dk-upd']);
  assert.equal(u.code, 0, show(u));
  assert.equal(u.stdout, 'dk-upd\n');
  assert.equal(await dockerInspect('dk-upd', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}'), `${96 * 1024 * 1024} 40 unless-stopped`);
  const mem = await d().docker(['exec', 'dk-upd', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
  assert.equal(mem.stdout.trim(), String(96 * 1024 * 1024), show(mem));
  assert.equal((await d().docker(['rm', '-f', 'dk-upd'])).code, 0);
});

test('docker run --init and --security-opt seccomp=<file> work', { timeout: 60_000 }, async () => {
  const init = await d().docker(['run', '--rm', '--init', 'busybox', 'cat', '/proc/1/cmdline']);
  assert.equal(init.code, 0, show(init));
  assert.equal(init.stdout.split('\0')[0], '/sbin/docker-init');
  const dir = mkdtempSync('/tmp/berth-seccomp-');
  try {
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    const r = await d().docker(['run', '--rm', '--security-opt', `seccomp=${profile}`, 'busybox', 'sh', '-c', 'mkdir /tmp/x; echo rc=$?']);
    assert.match(r.stdout, /rc=1/, show(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a container over its -m limit ends with exit 137 and OOMKilled true', { timeout: 60_000 }, async () => {
  const r = await d().berth(['run', '--name', 'oom', '-m', '64m', 'busybox', 'sh', '-c', 'x=a; while true; do x=$x$x; done'], { timeoutMs: 50_000 });
  assert.equal(r.code, 137, show(r));
  assert.equal((await d().berth(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oom'])).stdout.trim(), 'true 137');
  assert.equal((await d().berth(['rm', 'oom'])).code, 0);
});

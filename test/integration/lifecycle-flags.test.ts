// run/create flags that reach the OCI spec, checked from inside real
// containers: --init, --ulimit, capabilities, --privileged, security options
// (no-new-privileges, seccomp unconfined and a profile file), --read-only,
// --device, --shm-size, --sysctl, --add-host (host-gateway too), DNS flags,
// cgroup limits, --group-add, --domainname, --stop-signal/--stop-timeout.
import { show } from './acceptance-support.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

/** `berth run --rm <flags> busybox sh -c <script>`; asserts it exits 0 and returns stdout. */
async function inside(flags: readonly string[], script: string): Promise<string> {
  const r = await d().berth(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script]);
  assert.equal(r.code, 0, show(r));
  return r.stdout;
}

test('--init runs the command under tini as /sbin/docker-init', { timeout: 30_000 }, async () => {
  const out = await inside(['--init'], 'tr "\\0" " " < /proc/1/cmdline');
  assert.equal(out.trim(), '/sbin/docker-init -- sh -c tr "\\0" " " < /proc/1/cmdline');
});

test('--ulimit sets soft and hard limits', { timeout: 30_000 }, async () => {
  assert.equal(await inside(['--ulimit', 'nofile=1024:2048'], 'ulimit -n; ulimit -Hn'), '1024\n2048\n');
});

test('--cap-drop, --cap-add and --privileged shape the capability set', { timeout: 30_000 }, async () => {
  assert.match(await inside(['--cap-drop', 'ALL', '--cap-add', 'CHOWN'], 'grep CapEff /proc/self/status'), /CapEff:\s+0000000000000001\n/);
  // Every capability the host has (root here lacks CAP_SYS_RESOURCE): at least SYS_ADMIN (21) and SYS_MODULE (16).
  const priv = /CapEff:\s+([0-9a-f]+)/.exec(await inside(['--privileged'], 'grep CapEff /proc/self/status'))?.[1] ?? '0';
  const caps = BigInt(`0x${priv}`);
  assert.ok((caps & (1n << 21n)) !== 0n && (caps & (1n << 16n)) !== 0n, priv);
});

test('--security-opt no-new-privileges, seccomp=unconfined and seccomp=<profile file>', { timeout: 30_000 }, async () => {
  assert.match(await inside(['--security-opt', 'no-new-privileges'], 'grep NoNewPrivs /proc/self/status'), /NoNewPrivs:\s+1/);
  assert.match(await inside(['--security-opt', 'seccomp=unconfined'], 'grep Seccomp: /proc/self/status'), /Seccomp:\s+0/);
  const dir = mkdtempSync('/tmp/berth-seccomp-');
  try {
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    const out = await inside(['--security-opt', `seccomp=${profile}`], 'mkdir /tmp/x 2>&1; echo rc=$?');
    assert.match(out, /rc=1/, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--read-only, --device and --shm-size', { timeout: 30_000 }, async () => {
  assert.match(await inside(['--read-only'], 'touch /x 2>&1; echo rc=$?'), /Read-only file system[\s\S]*rc=1/);
  assert.equal(await inside(['--device', '/dev/null:/dev/mynull'], 'echo hi > /dev/mynull && echo ok'), 'ok\n');
  assert.match(await inside(['--shm-size', '128m'], 'df -k /dev/shm | tail -1'), /\s131072\s/);
});

test('--sysctl, --add-host (with host-gateway), --dns, --dns-search, --dns-option and --domainname', { timeout: 30_000 }, async () => {
  assert.equal(await inside(['--sysctl', 'net.ipv4.ip_forward=1'], 'cat /proc/sys/net/ipv4/ip_forward'), '1\n');
  const hosts = await inside(['--add-host', 'db:10.1.2.3', '--add-host', 'gw:host-gateway'], 'cat /etc/hosts');
  assert.match(hosts, /^10\.1\.2\.3\tdb$/m, hosts);
  assert.match(hosts, /^\d+\.\d+\.\d+\.\d+\tgw$/m, hosts);
  assert.doesNotMatch(hosts, /host-gateway/, hosts);
  const resolv = await inside(['--dns', '192.0.2.53', '--dns-search', 'example.com', '--dns-option', 'ndots:2'], 'cat /etc/resolv.conf');
  assert.match(resolv, /^nameserver 192\.0\.2\.53$/m, resolv);
  assert.match(resolv, /^search example\.com$/m, resolv);
  assert.match(resolv, /^options ndots:2$/m, resolv);
  assert.equal(await inside(['--domainname', 'example.org'], 'cat /proc/sys/kernel/domainname'), 'example.org\n');
});

test('--cpu-shares, --cpuset-cpus, --memory-reservation, --memory-swap and --group-add', { timeout: 30_000 }, async () => {
  const out = await inside(
    ['--cpu-shares', '512', '--cpuset-cpus', '0', '-m', '64m', '--memory-swap', '128m', '--memory-reservation', '32m', '--group-add', '1234'],
    'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/memory/memory.soft_limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null; id -G',
  );
  const lines = out.trim().split('\n');
  assert.equal(lines[0], '512', out);
  assert.equal(lines[1], '0', out);
  assert.equal(lines[2], String(32 * 1024 * 1024), out);
  assert.match(lines.at(-1) ?? '', /\b1234\b/, out);
});

test('--stop-signal and --stop-timeout are kept and used by stop', { timeout: 60_000 }, async () => {
  const r = await d().berth(['run', '-d', '--name', 'stopper', '--stop-signal', 'SIGUSR1', '--stop-timeout', '2', 'busybox', 'sh', '-c', 'trap "exit 42" USR1; while true; do sleep 0.1; done']);
  assert.equal(r.code, 0, show(r));
  const cfg = await d().berth(['inspect', '-f', '{{.Config.StopSignal}} {{.Config.StopTimeout}}', 'stopper']);
  assert.equal(cfg.stdout.trim(), 'SIGUSR1 2');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await d().berth(['stop', 'stopper'])).code, 0);
  const code = await d().berth(['inspect', '-f', '{{.State.ExitCode}}', 'stopper']);
  assert.equal(code.stdout.trim(), '42');
  assert.equal((await d().berth(['rm', 'stopper'])).code, 0);
});

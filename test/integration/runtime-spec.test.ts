// buildSpec() output run for real under conmon + the detected runtime: docker's
// default capabilities and seccomp, rlimits clamped to berthd's own, privileged
// containers on a host where root lacks some capabilities, users, read-only root,
// the ABIs the seccomp filter covers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConmonRuntime, detectRuntime, ownLimits, readLogs } from '../../src/runtime/index.ts';
import type { ConmonRuntime, SpecInput } from '../../src/runtime/index.ts';
import { setLogSink } from '../../src/lib/index.ts';
import { loadNative } from '../../src/lib/native.ts';
import { haveTools, isRoot, makeFixture } from './runtime-fixture.ts';
import type { Fixture } from './runtime-fixture.ts';

const skip = !isRoot ? 'needs root' : !(await haveTools()) ? 'needs conmon and busybox-static' : false;

let fx: Fixture;
let rt: ConmonRuntime;

before(async () => {
  if (skip) return;
  setLogSink(() => undefined);
  fx = await makeFixture();
  rt = createConmonRuntime({ binary: await detectRuntime(), execRoot: fx.execRoot });
});

after(async () => {
  if (skip) return;
  for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    await rmdir(join('/sys/fs/cgroup', controller, 'berth-test')).catch(() => undefined);
  }
  await fx.dispose();
});

/** Runs `script` in a container to completion; returns its exit code and output. */
async function runScript(script: string, over: Partial<SpecInput> = {}): Promise<{ code: number; out: string }> {
  const b = await fx.bundle(['sh', '-c', script], over);
  try {
    await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
    await rt.start(b.id);
    const status = await rt.waitExit(b.id, AbortSignal.timeout(20000));
    const chunks: Buffer[] = [];
    for await (const l of readLogs(b.logPath)) chunks.push(l.data);
    return { code: status.exitCode, out: Buffer.concat(chunks).toString() };
  } finally {
    await rt.delete(b.id, { force: true });
    await rt.cleanup(b.id);
  }
}

const field = (out: string, name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(out)?.[1];

test('a default container has docker capability mask, seccomp filtering and the masked paths', { skip }, async () => {
  const r = await runScript('grep -E "^(CapEff|CapBnd|CapInh|Seccomp|NoNewPrivs):" /proc/self/status; cat /proc/kcore | wc -c; hostname');
  assert.equal(r.code, 0, r.out);
  assert.equal(field(r.out, 'CapEff'), '00000000a80425fb');
  assert.equal(field(r.out, 'CapBnd'), '00000000a80425fb');
  assert.equal(field(r.out, 'CapInh'), '0000000000000000');
  assert.equal(field(r.out, 'Seccomp'), '2');
  assert.match(r.out, /^0$/m, '/proc/kcore is masked');
  assert.match(r.out, /^rt-test$/m);
});

// Makes getpid through the i386 ABI (int 0x80), then through the x32 ABI (bit 30 of the number).
const abiProbeSource = `#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
  int eax = 20;
  __asm__ volatile("int $0x80" : "+a"(eax) :: "memory");
  printf("i386 getpid %d\\n", eax);
  fflush(stdout);
  long r = syscall(0x40000000L | SYS_getpid);
  printf("x32 getpid %ld\\n", r);
  return 0;
}
`;

test('the seccomp filter keeps the i386 ABI and leaves out x32 exactly where the kernel refuses it', { skip }, async () => {
  if (process.arch !== 'x64') {
    // No x32 ABI to probe: the probe says so, and the filter keeps the profile's architectures as they are.
    assert.equal(loadNative().x32Syscalls?.(), false);
    const b = await fx.bundle(['true']);
    const spec = JSON.parse(await readFile(join(b.bundle, 'config.json'), 'utf8')) as { linux: { seccomp: { architectures?: string[] } } };
    assert.ok(!spec.linux.seccomp.architectures?.includes('SCMP_ARCH_X32'));
    return;
  }
  const probe = join(fx.rootfs, 'abi-probe');
  await writeFile(`${probe}.c`, abiProbeSource);
  const cc = spawnSync('gcc', ['-static', '-O2', '-o', probe, `${probe}.c`], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `gcc -static failed: ${cc.stderr}`);
  // On the host, unfiltered: what the kernel itself does with an x32 call.
  const onHost = spawnSync(probe, { encoding: 'utf8' });
  assert.equal(onHost.status, 0, onHost.stderr);
  const kernelRunsX32 = !/^x32 getpid -1$/m.test(onHost.stdout);
  assert.equal(loadNative().x32Syscalls?.(), kernelRunsX32, onHost.stdout);
  const b = await fx.bundle(['true']);
  const arches = (JSON.parse(await readFile(join(b.bundle, 'config.json'), 'utf8')) as { linux: { seccomp: { architectures: string[] } } }).linux.seccomp.architectures;
  assert.deepEqual(arches, kernelRunsX32 ? ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] : ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  // In a container: i386 calls pass the filter; an x32 call, which the kernel would refuse, ends the process (SIGSYS).
  const r = await runScript('/abi-probe; echo "exit $?"');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^i386 getpid [1-9]\d*$/m, r.out);
  assert.match(r.out, kernelRunsX32 ? /^x32 getpid [1-9]\d*\nexit 0$/m : /^exit 159$/m, r.out);
});

test('nofile is min(1048576, berthd hard limit) and larger ulimits are clamped', { skip }, async () => {
  const hardNofile = ownLimits().get('nofile')?.hard ?? 1048576;
  const expected = String(Math.min(1048576, hardNofile));
  const r = await runScript('ulimit -n; ulimit -Hn', { ulimits: [{ name: 'nofile', soft: 1048576, hard: 1048576 }] });
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.out.trim().split('\n'), [expected, expected]);
  const d = await runScript('ulimit -n');
  assert.equal(d.out.trim(), expected);
});

test('a privileged container starts even though root here lacks some capabilities', { skip }, async () => {
  const r = await runScript('grep -E "^(CapEff|Seccomp):" /proc/self/status; ls /dev | wc -l', { privileged: true });
  assert.equal(r.code, 0, r.out);
  assert.equal(field(r.out, 'Seccomp'), '0');
  assert.notEqual(field(r.out, 'CapEff'), '00000000a80425fb');
});

test('a non-root user runs with its uid, gid and no effective capabilities', { skip }, async () => {
  const r = await runScript('id -u; id -g; grep -E "^CapEff:" /proc/self/status', { user: { uid: 65534, gid: 65534, additionalGids: [] } });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^65534\n65534\nCapEff:\s+0000000000000000/);
});

test('a read-only root refuses writes while /dev/shm and tmpfs mounts stay writable', { skip }, async () => {
  const r = await runScript('touch /x 2>/dev/null && echo wrote-root; touch /dev/shm/y && echo wrote-shm; touch /run/z && echo wrote-tmpfs; df -k /dev/shm | tail -1', {
    readonlyRootfs: true,
    shmSize: 2 * 1024 * 1024,
    tmpfs: { '/run': 'size=1m' },
  });
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /wrote-root/);
  assert.match(r.out, /wrote-shm/);
  assert.match(r.out, /wrote-tmpfs/);
  assert.match(r.out, /\s2048\s/, '/dev/shm is 2 MiB');
});

test('memory, cpu and pids limits reach the cgroup', { skip }, async () => {
  const r = await runScript(
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max',
    { memory: 32 * 1024 * 1024, nanoCpus: 5e8, pidsLimit: 30 },
  );
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /33554432/);
  assert.match(r.out, /50000/);
  assert.match(r.out, /^30$/m);
});

test('an unlimited ulimit is written as RLIM_INFINITY when berthd itself is unlimited', { skip }, async (t) => {
  if (ownLimits().get('core')?.hard !== Number.MAX_SAFE_INTEGER) return t.skip('berthd core hard limit is not unlimited here');
  const r = await runScript('ulimit -c; ulimit -Hc', { ulimits: [{ name: 'core', soft: -1, hard: -1 }] });
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.out.trim().split('\n'), ['unlimited', 'unlimited']);
});

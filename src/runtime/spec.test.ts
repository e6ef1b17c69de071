// Unit tests for buildSpec(): capabilities, rlimit clamping, resources, mounts, namespaces, privileged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, specToJson } from './spec.ts';
import type { BuildSpecHost } from './spec.ts';
import { defaultCapabilities, knownCapabilities, tweakCapabilities } from './capabilities.ts';
import { buildRlimits, parseProcLimits } from './rlimits.ts';
import type { OciSpec, SpecInput } from './types.ts';
import { plainSpecDefaults } from './spec-defaults.ts';
import { convertSeccompProfile, defaultSeccompProfilePath, loadSeccompProfile } from './seccomp.ts';

const base: SpecInput = {
  containerId: 'c0ffee',
  rootfs: '/var/lib/berth/rootfs',
  readonlyRootfs: false,
  args: ['sh', '-c', 'true'],
  env: ['PATH=/bin'],
  cwd: '/',
  user: { uid: 0, gid: 0, additionalGids: [] },
  terminal: false,
  hostname: 'c0ffee',
  etcFiles: { hostname: '/b/hostname', hosts: '/b/hosts', resolvConf: '/b/resolv.conf' },
  ...plainSpecDefaults,
  cgroupsPath: '/berth/c0ffee',
};

const limits = parseProcLimits(`Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max core file size        0                    unlimited            bytes
Max processes             96365                96365                processes
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`);
const host: BuildSpecHost = { limits, capabilities: knownCapabilities.filter((c) => c !== 'CAP_SYS_RESOURCE'), cgroupVersion: '1', arch: 'x64', kernel: '6.1.0', unrunnableArchitectures: [] };

type Any = Record<string, any>;
const build = (over: Partial<SpecInput> = {}) => buildSpec({ ...base, ...over }, host) as Any;

test('buildSpec gives root docker default capabilities in bounding, effective and permitted only', () => {
  const caps = build().process.capabilities;
  assert.deepEqual(caps.bounding, defaultCapabilities);
  assert.deepEqual(caps.effective, defaultCapabilities);
  assert.deepEqual(caps.permitted, defaultCapabilities);
  assert.equal(caps.inheritable, undefined);
  assert.equal(caps.ambient, undefined);
});

test('buildSpec gives a non-root user only the bounding set, as moby does', () => {
  const spec = build({ user: { uid: 1000, gid: 1000, additionalGids: [20] } });
  assert.deepEqual(Object.keys(spec.process.capabilities), ['bounding']);
  assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [1000, 20] });
});

test('cap-add and cap-drop accept names with or without CAP_ and ALL', () => {
  const caps = build({ capAdd: ['sys_admin'], capDrop: ['CAP_CHOWN', 'NET_RAW'] }).process.capabilities.bounding as string[];
  assert.ok(caps.includes('CAP_SYS_ADMIN'));
  assert.ok(!caps.includes('CAP_CHOWN'));
  assert.ok(!caps.includes('CAP_NET_RAW'));
  assert.deepEqual(tweakCapabilities(defaultCapabilities, ['KILL'], ['ALL'], knownCapabilities), ['CAP_KILL']);
  const all = tweakCapabilities(defaultCapabilities, ['ALL'], ['MKNOD'], knownCapabilities);
  assert.equal(all.length, knownCapabilities.length - 1);
  assert.throws(() => tweakCapabilities(defaultCapabilities, ['NOPE'], [], knownCapabilities), { message: 'invalid CapAdd: unknown capability: "CAP_NOPE"' });
  assert.throws(() => tweakCapabilities(defaultCapabilities, [], ['NOPE'], knownCapabilities), { message: 'invalid CapDrop: unknown capability: "CAP_NOPE"' });
});

test('cap-add ALL gives only the capabilities berthd itself holds', () => {
  const caps = build({ capAdd: ['ALL'] }).process.capabilities.bounding as string[];
  assert.ok(!caps.includes('CAP_SYS_RESOURCE'));
  assert.ok(caps.includes('CAP_SYS_ADMIN'));
});

test('privileged means all host capabilities, no seccomp, no masked paths, all devices', () => {
  const spec = build({ privileged: true });
  assert.deepEqual(spec.process.capabilities.bounding, host.capabilities);
  assert.equal(spec.linux.seccomp, undefined);
  assert.equal(spec.linux.maskedPaths, undefined);
  assert.equal(spec.linux.readonlyPaths, undefined);
  assert.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  const sys = (spec.mounts as Any[]).find((m) => m.destination === '/sys') as Any;
  assert.ok(!sys.options.includes('ro'));
});

test('unprivileged containers get docker masked and read-only paths and default device rules', () => {
  const spec = build();
  assert.ok(spec.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(spec.linux.readonlyPaths.includes('/proc/sys'));
  const rules = spec.linux.resources.devices as Any[];
  assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
  assert.ok(rules.some((r) => r.allow && r.major === 1 && r.minor === 3));
});

test('ulimits are clamped to berthd own hard limits and nofile defaults to min(1048576, own hard)', () => {
  const spec = build({ ulimits: [{ name: 'nofile', soft: 1048576, hard: 1048576 }, { name: 'nproc', soft: 10, hard: 20 }] });
  assert.deepEqual(spec.process.rlimits, [
    { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 },
    { type: 'RLIMIT_NPROC', hard: 20, soft: 10 },
  ]);
  assert.deepEqual(build().process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  const memlock = buildRlimits([{ name: 'memlock', soft: -1, hard: -1 }], limits);
  assert.equal(memlock[0]?.hard, 8388608);
  assert.equal(memlock[0]?.soft, 8388608);
  assert.throws(() => buildRlimits([{ name: 'bogus', soft: 1, hard: 1 }], limits), /invalid ulimit type: bogus/);
});

test('unlimited ulimits stay serialisable, and specToJson writes them as RLIM_INFINITY', () => {
  const [core] = buildRlimits([{ name: 'core', soft: -1, hard: -1 }], limits);
  assert.ok(core && Number.isSafeInteger(core.hard));
  const json = specToJson(build({ ulimits: [{ name: 'core', soft: -1, hard: -1 }] }) as OciSpec);
  assert.match(json, /\{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615\}/);
  assert.equal((JSON.parse(json) as Any).hostname, 'c0ffee');
});

test('nanoCpus becomes a CFS quota over a 100 ms period', () => {
  assert.deepEqual(build({ nanoCpus: 1.5e9 }).linux.resources.cpu, { period: 100000, quota: 150000 });
  assert.deepEqual(build({ nanoCpus: 5e8, cpuShares: 512, cpusetCpus: '0' }).linux.resources.cpu, { shares: 512, period: 100000, quota: 50000, cpus: '0' });
  assert.deepEqual(build({ cpuQuota: 20000, cpuPeriod: 50000 }).linux.resources.cpu, { quota: 20000, period: 50000 });
});

test('memory limit defaults swap to twice the limit; pids limit is set when positive', () => {
  const r = build({ memory: 8 << 20, pidsLimit: 50 }).linux.resources;
  assert.deepEqual(r.memory, { limit: 8 << 20, swap: 16 << 20 });
  assert.deepEqual(r.pids, { limit: 50 });
  assert.deepEqual(build({ memory: 8 << 20, memorySwap: -1 }).linux.resources.memory, { limit: 8 << 20, swap: -1 });
  assert.equal(build().linux.resources.memory, undefined);
  assert.equal(build({ pidsLimit: -1 }).linux.resources.pids, undefined);
});

test('mounts follow docker order with /dev/shm sized by shmSize and the etc files bound', () => {
  const spec = build({ shmSize: 1 << 20, tmpfs: { '/run': 'size=1m' } });
  const dests = (spec.mounts as Any[]).map((m) => m.destination);
  assert.deepEqual(dests, ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/run']);
  const shm = (spec.mounts as Any[]).find((m) => m.destination === '/dev/shm') as Any;
  assert.ok(shm.options.includes('size=1048576'));
  assert.deepEqual((spec.mounts as Any[]).at(-1), { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'size=1m'] });
  const defaultShm = (build().mounts as Any[]).find((m) => m.destination === '/dev/shm') as Any;
  assert.ok(defaultShm.options.includes('size=67108864'));
});

test('a user mount on /dev/shm replaces the default one', () => {
  const spec = build({ mounts: [{ destination: '/dev/shm', type: 'bind', source: '/host/shm', options: ['rbind'] }] });
  const shm = (spec.mounts as Any[]).filter((m) => m.destination === '/dev/shm');
  assert.equal(shm.length, 1);
  assert.equal(shm[0]?.source, '/host/shm');
});

test('namespaces: network new, host or joined by path; cgroup namespace only on v2', () => {
  const types = (s: Any) => (s.linux.namespaces as Any[]).map((n) => n.type);
  assert.deepEqual(types(build()), ['mount', 'network', 'uts', 'pid', 'ipc']);
  assert.deepEqual(types(build({ network: { mode: 'host' } })), ['mount', 'uts', 'pid', 'ipc']);
  assert.equal(build({ network: { mode: 'host' } }).linux.sysctl['net.ipv4.ping_group_range'], undefined);
  const joined = build({ network: { mode: 'path', path: '/run/netns/x' } }).linux.namespaces as Any[];
  assert.deepEqual(joined[1], { type: 'network', path: '/run/netns/x' });
  const v2 = buildSpec(base, { ...host, cgroupVersion: '2' }) as Any;
  assert.deepEqual(types(v2), ['mount', 'network', 'uts', 'pid', 'ipc', 'cgroup']);
});

test('the cgroup namespace follows CgroupnsMode: private unshares it on v1, host keeps the host\'s on v2', () => {
  const types = (s: Any) => (s.linux.namespaces as Any[]).map((n) => n.type);
  assert.ok(types(build({ cgroupns: 'private' })).includes('cgroup'));
  assert.ok(!types(buildSpec({ ...base, cgroupns: 'host' }, { ...host, cgroupVersion: '2' }) as Any).includes('cgroup'));
});

test('real-time CPU runtime and period go to the cpu resources when set', () => {
  assert.deepEqual(build({ cpuRealtimeRuntime: 950000, cpuRealtimePeriod: 1000000 }).linux.resources.cpu, { realtimeRuntime: 950000, realtimePeriod: 1000000 });
  assert.equal(build().linux.resources.cpu, undefined);
});

test('process, root, hostname, sysctls, annotations and cgroupsPath come from the input', () => {
  const spec = build({ readonlyRootfs: true, terminal: true, noNewPrivileges: true, domainname: 'example.org', sysctls: { 'net.core.somaxconn': '1024' }, annotations: { a: 'b' } });
  assert.equal(spec.ociVersion, '1.0.2-dev');
  assert.deepEqual(spec.root, { path: base.rootfs, readonly: true });
  assert.equal(spec.process.terminal, true);
  assert.equal(spec.process.noNewPrivileges, true);
  assert.deepEqual(spec.process.args, base.args);
  assert.equal(spec.hostname, 'c0ffee');
  assert.equal(spec.domainname, 'example.org');
  assert.equal(spec.linux.sysctl['net.core.somaxconn'], '1024');
  assert.equal(spec.linux.sysctl['net.ipv4.ip_unprivileged_port_start'], '0');
  assert.deepEqual(spec.annotations, { a: 'b' });
  assert.equal(spec.linux.cgroupsPath, '/berth/c0ffee');
});

test('seccomp uses the default profile unless unconfined', () => {
  const spec = build();
  assert.equal(spec.linux.seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.ok((spec.linux.seccomp.syscalls as Any[]).length > 5);
  assert.equal(build({ seccompProfile: 'unconfined' }).linux.seccomp, undefined);
});

test('the seccomp section is converted once per capability set, shared frozen, and written as a fresh conversion would be', () => {
  const a = build();
  const b = build({ ulimits: [{ name: 'core', soft: -1, hard: -1 }] });
  assert.equal(a.linux.seccomp, b.linux.seccomp, 'the same capabilities share one section');
  assert.ok(Object.isFrozen(a.linux.seccomp) && Object.isFrozen(a.linux.seccomp.syscalls[0]));
  assert.throws(() => (a.linux.seccomp.syscalls as Any[]).push({}));
  const admin = build({ capAdd: ['SYS_ADMIN'] });
  assert.notEqual(admin.linux.seccomp, a.linux.seccomp);
  const fresh = (caps: string[]) => convertSeccompProfile(loadSeccompProfile(defaultSeccompProfilePath), { capabilities: caps, arch: 'x64', kernel: '6.1.0' });
  assert.deepEqual(admin.linux.seccomp, fresh(admin.process.capabilities.bounding as string[]));
  for (const spec of [a, b, admin]) {
    const plain = JSON.stringify({ ...spec, linux: { ...spec.linux, seccomp: fresh(spec.process.capabilities.bounding as string[]) } }, (k: string, v: unknown) => ((k === 'hard' || k === 'soft') && v === Number.MAX_SAFE_INTEGER ? 'INF' : v));
    assert.equal(specToJson(spec as OciSpec), plain.replaceAll('"INF"', '18446744073709551615'));
  }
});

test('the seccomp section leaves out the ABIs the host does not run, in a section of its own', () => {
  const without = buildSpec(base, { ...host, unrunnableArchitectures: ['SCMP_ARCH_X32'] }) as Any;
  assert.deepEqual(without.linux.seccomp.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(build().linux.seccomp.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(without.linux.seccomp.syscalls, build().linux.seccomp.syscalls);
});

test('buildSpec shares the host PID and UTS namespaces when asked and sets no hostname then', () => {
  const s = build({ hostPid: true, hostUts: true });
  const types = (s.linux.namespaces as { type: string }[]).map((n) => n.type);
  assert.ok(!types.includes('pid') && !types.includes('uts'));
  assert.ok(types.includes('ipc'));
  assert.equal(s.hostname, undefined);
  assert.ok((build().linux.namespaces as { type: string }[]).some((n) => n.type === 'pid'));
});

test('buildSpec appends device cgroup rules after the defaults, with -1 for a wildcard, and ignores them when privileged', () => {
  assert.deepEqual(build({ deviceCgroupRules: ['c 1:3 mr', 'a *:* r'] }).linux.resources.devices.slice(-2), [
    { allow: true, type: 'c', major: 1, minor: 3, access: 'mr' },
    { allow: true, type: 'a', major: -1, minor: -1, access: 'r' },
  ]);
  assert.throws(() => build({ deviceCgroupRules: ['bogus'] }), /invalid device cgroup rule format: 'bogus'/);
  assert.deepEqual(build({ privileged: true, deviceCgroupRules: ['c 1:3 mr'] }).linux.resources.devices, [{ allow: true, access: 'rwm' }]);
});

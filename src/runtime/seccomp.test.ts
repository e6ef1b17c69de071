// Unit tests for the docker-format → OCI seccomp conversion (arches, caps, minKernel, args).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKernel, convertSeccompProfile } from './seccomp.ts';

const profile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], includes: {}, excludes: {} },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['breakpoint'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
    { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['newer'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.8' } },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: null, includes: { caps: ['CAP_AUDIT_WRITE'] } },
  ],
};

const names = (s: ReturnType<typeof convertSeccompProfile>) => (s.syscalls ?? []).map((c) => `${c.names.join(',')}:${c.action}`);

test('convertSeccompProfile keeps the default action, errno and the native arch with its sub-arches', () => {
  const s = convertSeccompProfile(profile, { capabilities: [], arch: 'x64', kernel: '6.1.0' });
  assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.defaultErrnoRet, 38);
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(convertSeccompProfile(profile, { capabilities: [], arch: 'arm64', kernel: '6.1.0' }).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});

test('convertSeccompProfile leaves out the ABIs the kernel does not run, never all of them', () => {
  const s = convertSeccompProfile(profile, { capabilities: [], arch: 'x64', kernel: '6.1.0', unrunnable: ['SCMP_ARCH_X32'] });
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(names(s), names(convertSeccompProfile(profile, { capabilities: [], arch: 'x64', kernel: '6.1.0' })), 'the same rules');
  const onlyX32 = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X32'], syscalls: [] };
  assert.deepEqual(convertSeccompProfile(onlyX32, { capabilities: [], unrunnable: ['SCMP_ARCH_X32'] }).architectures, ['SCMP_ARCH_X32']);
});

test('convertSeccompProfile applies arch includes for the host arch', () => {
  assert.ok(names(convertSeccompProfile(profile, { capabilities: [], arch: 'x64', kernel: '6.1.0' })).includes('arch_prctl:SCMP_ACT_ALLOW'));
  const arm = names(convertSeccompProfile(profile, { capabilities: [], arch: 'arm64', kernel: '6.1.0' }));
  assert.ok(arm.includes('breakpoint:SCMP_ACT_ALLOW'));
  assert.ok(!arm.includes('arch_prctl:SCMP_ACT_ALLOW'));
});

test('convertSeccompProfile allows cap-gated syscalls only with the capability', () => {
  const without = names(convertSeccompProfile(profile, { capabilities: ['CAP_CHOWN'], arch: 'x64', kernel: '6.1.0' }));
  assert.ok(without.includes('bpf:SCMP_ACT_ERRNO'));
  assert.ok(!without.includes('bpf:SCMP_ACT_ALLOW'));
  assert.ok(!without.includes('socket:SCMP_ACT_ALLOW'));
  const withCap = names(convertSeccompProfile(profile, { capabilities: ['CAP_SYS_ADMIN', 'CAP_AUDIT_WRITE'], arch: 'x64', kernel: '6.1.0' }));
  assert.ok(withCap.includes('bpf:SCMP_ACT_ALLOW'));
  assert.ok(!withCap.includes('bpf:SCMP_ACT_ERRNO'));
  assert.ok(withCap.includes('socket:SCMP_ACT_ALLOW'));
});

test('convertSeccompProfile honours minKernel and carries args and errnoRet', () => {
  assert.ok(!names(convertSeccompProfile(profile, { capabilities: [], arch: 'x64', kernel: '5.4.0-100-generic' })).includes('newer:SCMP_ACT_ALLOW'));
  const s = convertSeccompProfile(profile, { capabilities: [], arch: 'x64', kernel: '5.10.0' });
  assert.ok(names(s).includes('newer:SCMP_ACT_ALLOW'));
  assert.deepEqual(s.syscalls?.find((c) => c.names[0] === 'personality')?.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
  assert.equal(s.syscalls?.find((c) => c.names[0] === 'bpf')?.errnoRet, 1);
  assert.equal(s.syscalls?.find((c) => c.names[0] === 'read')?.args, undefined);
});

test('convertSeccompProfile rejects a profile without defaultAction', () => {
  assert.throws(() => convertSeccompProfile({ syscalls: [] }, { capabilities: [] }), /missing defaultAction/);
});

test('compareKernel orders versions numerically', () => {
  assert.ok(compareKernel('6.1.0-18-amd64', '5.8') > 0);
  assert.ok(compareKernel('5.4', '5.8') < 0);
  assert.equal(compareKernel('5.8.0', '5.8'), 0);
});

// Unit tests for the CRI ContainerConfig → engine ContainerSpec pieces added
// for critest's recursive read-only mounts and SupplementalGroupsPolicy specs:
// containerd's checks of Mount.recursive_read_only, the rro bind the engine
// gets (docker's ReadOnlyForceRecursive) beside the plain `ro` binds, and the
// policy as the engine's imageGroups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from '../core/types.ts';
import { containerSpec, type ContainerConfigMsg } from './container-config.ts';
import type { CriMountMsg } from './recursive-read-only.ts';
import type { Sandbox } from './sandboxes.ts';

const sandbox = {
  container: { id: 'sb1', spec: { labels: { 'io.berth.cri.metadata': JSON.stringify({ name: 'pod', namespace: 'ns', uid: 'u1' }) } } } as unknown as Container,
  facts: { hostname: '', logDirectory: '', netns: '/run/netns/x', networkId: 'n', hostNetwork: false, hostIpc: false, hostPid: false, namespaceOptions: {}, cgroupParent: '', runtimeHandler: '', dns: { servers: [], searches: [], options: [] } },
} satisfies Sandbox;

function config(over: { mounts?: CriMountMsg[]; policy?: string } = {}): ContainerConfigMsg {
  return {
    metadata: { name: 'c', attempt: 0 },
    image: { image: 'busybox' },
    command: [],
    args: [],
    working_dir: '',
    envs: [],
    mounts: over.mounts ?? [],
    devices: [],
    labels: {},
    annotations: {},
    log_path: '',
    stdin: false,
    stdin_once: false,
    tty: false,
    linux: {
      resources: null,
      security_context: {
        capabilities: null, privileged: false, namespace_options: null, run_as_user: { value: '1000' }, run_as_group: null, run_as_username: '',
        readonly_rootfs: false, supplemental_groups: ['1234'], supplemental_groups_policy: over.policy ?? 'Merge', no_new_privs: false,
        masked_paths: [], readonly_paths: [], seccomp: null, seccomp_profile_path: '',
      },
    },
  };
}

const mount = (host: string, over: Partial<CriMountMsg> = {}): CriMountMsg => ({ container_path: '/mnt', host_path: host, readonly: true, propagation: 'PROPAGATION_PRIVATE', recursive_read_only: false, ...over });
const supported = { recursiveReadOnlyMounts: true };

test('a recursive read-only mount becomes an rro bind (ReadOnlyForceRecursive); a plain read-only one stays a non-recursive `ro` bind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cri-rro-sgp-unit-'));
  try {
    const rro = join(dir, 'missing', 'rro');
    const { spec } = await containerSpec(sandbox, config({ mounts: [mount(rro, { recursive_read_only: true }), mount(dir, { container_path: '/plain' })] }), 'sha256:x', supported);
    assert.deepEqual(spec.host.mounts, [{ type: 'bind', source: rro, target: '/mnt', readOnly: true, bindPropagation: 'rprivate', readOnlyForceRecursive: true }]);
    assert.deepEqual(spec.host.binds, [`${dir}:/plain:ro-non-recursive,rprivate`]);
    // As containerd: a missing host path is made (the engine's --mount binds would refuse it).
    assert.ok(existsSync(rro));
    // An unset propagation is private.
    const unset = await containerSpec(sandbox, config({ mounts: [mount(dir, { recursive_read_only: true, propagation: '' })] }), 'sha256:x', supported);
    assert.equal(unset.spec.host.mounts.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recursive read-only mounts are refused as containerd refuses them, before any host path is made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cri-rro-sgp-unit-'));
  try {
    const p = join(dir, 'never');
    const refused = async (m: CriMountMsg, features = supported) => containerSpec(sandbox, config({ mounts: [m] }), 'sha256:x', features);
    await assert.rejects(refused(mount(p, { recursive_read_only: true, readonly: false })), /recursive read-only mount conflicts with RW mount/);
    await assert.rejects(refused(mount(p, { recursive_read_only: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' })), /needs private propagation, got "PROPAGATION_HOST_TO_CONTAINER"/);
    await assert.rejects(refused(mount(p, { recursive_read_only: true, propagation: 'PROPAGATION_BIDIRECTIONAL' })), /needs private propagation, got "PROPAGATION_BIDIRECTIONAL"/);
    await assert.rejects(refused(mount(p, { recursive_read_only: true }), { recursiveReadOnlyMounts: false }), /RROUnsupported: runtime handler does not support recursive read-only mounts/);
    assert.equal(existsSync(p), false);
    // Without recursive_read_only nothing of this applies: a read-write shared mount is a bind.
    const { spec } = await containerSpec(sandbox, config({ mounts: [mount(p, { readonly: false, propagation: 'PROPAGATION_BIDIRECTIONAL' })] }), 'sha256:x', { recursiveReadOnlyMounts: false });
    assert.deepEqual(spec.host.binds, [`${p}:/mnt:rw,rshared`]);
    assert.deepEqual(spec.host.mounts, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SupplementalGroupsPolicy: Merge (the default) and Strict become the engine\'s imageGroups; the supplemental groups are groupAdd either way', async () => {
  const merge = await containerSpec(sandbox, config(), 'sha256:x');
  assert.equal(merge.spec.host.imageGroups, 'merge');
  assert.deepEqual(merge.spec.host.groupAdd, ['1234']);
  assert.equal(merge.spec.user, '1000');
  const strict = await containerSpec(sandbox, config({ policy: 'Strict' }), 'sha256:x');
  assert.equal(strict.spec.host.imageGroups, 'strict');
  assert.deepEqual(strict.spec.host.groupAdd, ['1234']);
  const unset = await containerSpec(sandbox, config({ policy: '' }), 'sha256:x');
  assert.equal(unset.spec.host.imageGroups, 'merge');
  await assert.rejects(containerSpec(sandbox, config({ policy: 'Loose' }), 'sha256:x'), /unknown SupplementalGroupsPolicy "Loose"/);
});

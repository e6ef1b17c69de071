// Unit tests for the OCI mounts of a container's binds: a read-only bind is
// `rro` when the runtime and kernel can (docker 25's default), plain `ro` with
// ReadOnlyNonRecursive or for a container made through API < 1.44, and a
// forced one (ReadOnlyForceRecursive, `rro`) fails the start when they cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, ContainerSpec } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { VolumeStore } from '../../volume/index.ts';
import { ContainerMounts, readOnlyOption } from './mounts.ts';

const supports = (rro: boolean) => async () => ({ recursiveReadOnlyMounts: rro });

test('binds become rbind OCI mounts with rw, ro or rro and their propagation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-rro-mounts-'));
  try {
    const spec = {
      volumes: [],
      host: {
        binds: [`${dir}:/rw`, `${dir}:/ro:ro`, `${dir}:/nr:ro-non-recursive`, `${dir}:/f:rro,rslave`],
        mounts: [
          { type: 'bind', source: dir, target: '/rro', readOnly: true, readOnlyForceRecursive: true },
          { type: 'bind', source: dir, target: '/m-nr', readOnly: true, readOnlyNonRecursive: true },
          { type: 'bind', source: dir, target: '/m-ro', readOnly: true },
        ],
      },
    } as unknown as ContainerSpec;
    const withRro = new ContainerMounts({ store: {} as VolumeStore, log: {} as Logger, features: supports(true) });
    const mountPoints = await withRro.resolve(spec, () => assert.fail('no --volumes-from'));
    assert.equal(mountPoints.find((m) => m.destination === '/rro')?.recursiveReadOnly, true);
    assert.equal(mountPoints.find((m) => m.destination === '/nr')?.readOnlyNonRecursive, true);
    // Runtime and kernel can: a read-only bind is recursively read-only unless ReadOnlyNonRecursive (docker 25);
    // dockerd makes `rro` whatever the propagation.
    assert.deepEqual(await withRro.ociMounts({ id: 'c1', mountPoints } as unknown as Container, dir), [
      { destination: '/rw', type: 'bind', source: dir, options: ['rbind', 'rw', 'rprivate'] },
      { destination: '/ro', type: 'bind', source: dir, options: ['rbind', 'rro', 'rprivate'] },
      { destination: '/nr', type: 'bind', source: dir, options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/f', type: 'bind', source: dir, options: ['rbind', 'rro', 'rslave'] },
      { destination: '/rro', type: 'bind', source: dir, options: ['rbind', 'rro', 'rprivate'] },
      { destination: '/m-nr', type: 'bind', source: dir, options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/m-ro', type: 'bind', source: dir, options: ['rbind', 'rro', 'rprivate'] },
    ]);
    // They cannot: plain `ro`, and a start that asks for a forced one fails.
    const without = new ContainerMounts({ store: {} as VolumeStore, log: {} as Logger, features: supports(false) });
    const plain = mountPoints.filter((m) => !m.recursiveReadOnly);
    assert.deepEqual((await without.ociMounts({ id: 'c1', mountPoints: plain } as unknown as Container, dir)).map((m) => m.options?.[1]), ['rw', 'ro', 'ro', 'ro', 'ro']);
    await assert.rejects(without.ociMounts({ id: 'c1', mountPoints } as unknown as Container, dir), /rro is not supported/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a container created through API < 1.44 keeps its read-only binds non-recursive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-rro-mounts-'));
  try {
    const spec = {
      volumes: [],
      host: { defaultReadOnlyNonRecursive: true, binds: [`${dir}:/ro:ro`, `${dir}:/rw`], mounts: [{ type: 'bind', source: dir, target: '/m', readOnly: true }] },
    } as unknown as ContainerSpec;
    const mounts = new ContainerMounts({ store: {} as VolumeStore, log: {} as Logger, features: supports(true) });
    const mountPoints = await mounts.resolve(spec, () => assert.fail('no --volumes-from'));
    assert.deepEqual((await mounts.ociMounts({ id: 'c1', mountPoints } as unknown as Container, dir)).map((m) => m.options?.[1]), ['ro', 'rw', 'ro']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readOnlyOption(): the conflicts dockerd refuses at start', () => {
  assert.throws(() => readOnlyOption({ rw: false, readOnlyNonRecursive: true, recursiveReadOnly: true }, true), /^BerthError: mount options conflict: ReadOnlyNonRecursive && BindOptions.ReadOnlyForceRecursive$/);
  assert.throws(() => readOnlyOption({ rw: true, readOnlyNonRecursive: true }, true), /mount options conflict: !ReadOnly && BindOptions.ReadOnlyNonRecursive/);
  assert.throws(() => readOnlyOption({ rw: true, recursiveReadOnly: true }, true), /mount options conflict: !ReadOnly && BindOptions.ReadOnlyForceRecursive/);
  assert.equal(readOnlyOption({ rw: false }, false), 'ro');
  assert.equal(readOnlyOption({ rw: false, recursiveReadOnly: true }, true), 'rro');
});

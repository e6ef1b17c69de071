// Unit tests for the OCI mounts of a container's binds: `ro` stays the
// runtime's non-recursive read-only, a recursive read-only bind gets `rro`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, ContainerSpec } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { VolumeStore } from '../../volume/index.ts';
import { ContainerMounts } from './mounts.ts';

test('binds become rbind OCI mounts with rw, ro or rro and their propagation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cri-rro-sgp-mounts-'));
  try {
    const mounts = new ContainerMounts({ store: {} as VolumeStore, log: {} as Logger });
    const spec = {
      volumes: [],
      host: {
        binds: [`${dir}:/rw`, `${dir}:/ro:ro`],
        mounts: [{ type: 'bind', source: dir, target: '/rro', readOnly: true, readOnlyForceRecursive: true }],
      },
    } as unknown as ContainerSpec;
    const mountPoints = await mounts.resolve(spec, () => assert.fail('no --volumes-from'));
    assert.equal(mountPoints.find((m) => m.destination === '/rro')?.recursiveReadOnly, true);
    const oci = await mounts.ociMounts({ id: 'c1', mountPoints } as unknown as Container, dir);
    assert.deepEqual(oci, [
      { destination: '/rw', type: 'bind', source: dir, options: ['rbind', 'rw', 'rprivate'] },
      { destination: '/ro', type: 'bind', source: dir, options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/rro', type: 'bind', source: dir, options: ['rbind', 'rro', 'rprivate'] },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

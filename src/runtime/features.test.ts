// Unit tests for the runtime's features: "rro" from `features` JSON or crun's
// version, and the kernel's mount_setattr (5.12); plus the installed runtimes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { featuresFrom, kernelAtLeast, mountOptionsOf, runtimeFeatures } from './features.ts';
import { findExecutable } from './detect.ts';

const runcFeatures = JSON.stringify({ ociVersionMin: '1.0.0', mountOptions: ['bind', 'rbind', 'ro', 'rro', 'rw'] });

test('kernelAtLeast compares major.minor of a release string', () => {
  assert.equal(kernelAtLeast('6.18.44-fc-v1300', 5, 12), true);
  assert.equal(kernelAtLeast('5.12.0', 5, 12), true);
  assert.equal(kernelAtLeast('5.11.22-generic', 5, 12), false);
  assert.equal(kernelAtLeast('4.19.0', 5, 12), false);
  assert.equal(kernelAtLeast('garbage', 5, 12), false);
});

test('mountOptionsOf reads a features document and nothing else', () => {
  assert.deepEqual(mountOptionsOf(runcFeatures), ['bind', 'rbind', 'ro', 'rro', 'rw']);
  assert.equal(mountOptionsOf('{"hooks": []}'), undefined);
  assert.equal(mountOptionsOf('unknown command features'), undefined);
});

test('rro needs the option from the runtime and a 5.12 kernel', () => {
  assert.deepEqual(featuresFrom({ features: runcFeatures, version: '', kernel: '6.1.0' }), { mountOptions: ['bind', 'rbind', 'ro', 'rro', 'rw'], recursiveReadOnlyMounts: true });
  assert.equal(featuresFrom({ features: runcFeatures, version: '', kernel: '5.10.0' }).recursiveReadOnlyMounts, false);
  // runc 1.0's document without rro.
  assert.equal(featuresFrom({ features: JSON.stringify({ mountOptions: ['ro', 'rbind'] }), version: '', kernel: '6.1.0' }).recursiveReadOnlyMounts, false);
});

test('a runtime without `features`: crun from 1.4 on has rro, anything else is not assumed to', () => {
  assert.equal(featuresFrom({ features: undefined, version: 'crun version 1.8.1\ncommit: f8a0\n', kernel: '6.1.0' }).recursiveReadOnlyMounts, true);
  assert.equal(featuresFrom({ features: undefined, version: 'crun version 1.3\n', kernel: '6.1.0' }).recursiveReadOnlyMounts, false);
  assert.equal(featuresFrom({ features: undefined, version: 'crun version 1.8.1\n', kernel: '5.4.0' }).recursiveReadOnlyMounts, false);
  assert.equal(featuresFrom({ features: undefined, version: 'runc version 1.0.0-rc93\n', kernel: '6.1.0' }).recursiveReadOnlyMounts, false);
  assert.equal(featuresFrom({ features: undefined, version: 'crun version 1.8.1', kernel: '6.1.0' }).mountOptions, undefined);
});

test('the installed runc and crun are asked, not assumed', async () => {
  const runc = await findExecutable('runc');
  const crun = await findExecutable('crun');
  // scripts/setup installs both; a machine without either cannot run berth, so that fails here too.
  assert.ok(runc || crun, 'neither runc nor crun is installed (scripts/setup installs them)');
  const newKernel = kernelAtLeast(release(), 5, 12);
  if (runc) {
    const f = await runtimeFeatures({ name: 'runc', path: runc });
    // runc >= 1.1 answers `features`; Debian 12's 1.1.5 lists rro.
    assert.ok(f.mountOptions?.includes('rro'), `runc features: ${JSON.stringify(f)}`);
    assert.equal(f.recursiveReadOnlyMounts, newKernel);
  }
  if (crun) {
    const f = await runtimeFeatures({ name: 'crun', path: crun });
    assert.equal(f.recursiveReadOnlyMounts, newKernel);
  }
});

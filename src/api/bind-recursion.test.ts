// Unit tests for API 1.44's bind recursion fields: parsed from and echoed to
// HostConfig.Mounts as given, and gated by the client's API version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSpec, MountSpec } from '../core/types.ts';
import { gateBindRecursion } from './bind-recursion.ts';
import { mountSpecFromBody, mountSpecJson } from './mount-json.ts';

const spec = (mounts: MountSpec[], binds: string[] = []) => ({ host: { binds, mounts } }) as unknown as ContainerSpec;

test('BindOptions.ReadOnlyNonRecursive and ReadOnlyForceRecursive are read and shown back as given', () => {
  const m = mountSpecFromBody({ Type: 'bind', Source: '/s', Target: '/t', ReadOnly: true, BindOptions: { ReadOnlyForceRecursive: true, Propagation: 'rprivate' } }, 0);
  assert.deepEqual(m, { type: 'bind', source: '/s', target: '/t', readOnly: true, bindPropagation: 'rprivate', readOnlyForceRecursive: true });
  assert.deepEqual(mountSpecJson(m).BindOptions, { Propagation: 'rprivate', ReadOnlyForceRecursive: true });
  const n = mountSpecFromBody({ Type: 'bind', Source: '/s', Target: '/t', ReadOnly: true, BindOptions: { ReadOnlyNonRecursive: true } }, 0);
  assert.deepEqual(mountSpecJson(n).BindOptions, { ReadOnlyNonRecursive: true });
  assert.equal(mountSpecJson(mountSpecFromBody({ Type: 'bind', Source: '/s', Target: '/t', BindOptions: { ReadOnlyNonRecursive: false } }, 0)).BindOptions, undefined);
  assert.throws(() => mountSpecFromBody({ Type: 'bind', Source: '/s', Target: '/t', BindOptions: { ReadOnlyForceRecursive: 'yes' } }, 0), /HostConfig.Mounts\[0\].BindOptions.ReadOnlyForceRecursive: expected a boolean/);
});

test('from API 1.44 the spec is taken as it is', () => {
  const s = spec([{ type: 'bind', source: '/s', target: '/t', readOnly: true, readOnlyForceRecursive: true }], ['/a:/b:ro']);
  assert.equal(gateBindRecursion(s, '1.44'), s);
  assert.equal(gateBindRecursion(s, '1.47'), s);
});

test('before API 1.44 ReadOnlyForceRecursive is refused and read-only binds stay non-recursive (the mounts shown as given)', () => {
  assert.throws(() => gateBindRecursion(spec([{ type: 'bind', source: '/s', target: '/t', readOnly: true, readOnlyForceRecursive: true }]), '1.43'), (err: Error & { code?: string }) => {
    assert.equal(err.message, 'BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer');
    return true;
  });
  const given = [{ type: 'bind' as const, source: '/s', target: '/t', readOnly: true }];
  const gated = gateBindRecursion(spec(given, ['/a:/b:ro']), '1.41');
  assert.equal(gated.host.defaultReadOnlyNonRecursive, true);
  assert.deepEqual(gated.host.mounts, given);
  assert.deepEqual(gated.host.binds, ['/a:/b:ro']);
});

// API 1.44's recursive read-only binds, gated by the client's version as
// dockerd gates them (api/server/router/container/container_routes.go):
// before 1.44 a bind Mount asking for ReadOnlyForceRecursive is refused, and
// every read-only bind (Binds and Mounts) keeps the old non-recursive
// read-only behaviour — the container remembers it (DefaultReadOnlyNonRecursive),
// HostConfig.Mounts stays as given.
import { invalidArgument } from '../core/errors.ts';
import type { ContainerSpec } from '../core/types.ts';
import { versionLess } from './version.ts';

export function gateBindRecursion(spec: ContainerSpec, version: string): ContainerSpec {
  if (!versionLess(version, '1.44')) return spec;
  if (spec.host.mounts.some((m) => m.type === 'bind' && m.readOnlyForceRecursive)) {
    throw invalidArgument('BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer');
  }
  return { ...spec, host: { ...spec.host, defaultReadOnlyNonRecursive: true } };
}

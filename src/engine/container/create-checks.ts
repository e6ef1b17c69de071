// HostConfig fields dockerd refuses at create, with its texts and statuses:
// isolation (500 as dockerd 20.10, compared in test/clients/create-fields), an unknown logging driver, a hostname with the host's UTS
// namespace, malformed published ports, a volume driver berth does not have.
import { internal, invalidArgument, isNotFound, notFound } from '../../core/errors.ts';
import type { Container, ContainerSpec } from '../../core/types.ts';
import { newId } from '../../core/ids.ts';
import { validatePortBindings } from '../../network/index.ts';

/** dockerd's built-in logging drivers (on Linux); any other name is looked up as a plugin, and berth has none. */
const loggingDrivers: ReadonlySet<string> = new Set(['json-file', 'local', 'none', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'gcplogs', 'logentries']);

/** Named volumes in Binds (`name:/path[:mode]`): a source that is not an absolute path. */
function namedVolumes(binds: readonly string[]): string[] {
  return binds.map((b) => b.split(':')[0] ?? '').filter((s) => s !== '' && !s.startsWith('/'));
}

export function checkCreateFields(spec: ContainerSpec): void {
  const h = spec.host;
  const iso = h.isolation ?? '';
  if (iso !== '' && iso.toLowerCase() !== 'default') throw internal(`Invalid isolation: "${iso}" - linux only supports 'default'`);
  const driver = h.logConfig.type;
  if (!loggingDrivers.has(driver)) throw invalidArgument(`error looking up logging plugin ${driver}: plugin "${driver}" not found`);
  if (h.utsMode === 'host' && spec.hostname) throw invalidArgument('conflicting options: hostname and the UTS mode');
  validatePortBindings(h.portBindings);
}

/**
 * berth has the `local` volume driver only: a container whose named volumes
 * (Binds) or anonymous ones (its and its image's Volumes, unless a bind or
 * mount covers them) would be made by another driver is refused as dockerd
 * refuses a missing volume plugin (404), naming the volume (a new id for an anonymous one).
 */
export function checkVolumeDriver(merged: ContainerSpec): void {
  const h = merged.host;
  const vd = h.volumeDriver ?? '';
  if (vd === '' || vd === 'local') return;
  const refuse = (name: string) => notFound(`create ${name}: error looking up volume plugin ${vd}: plugin "${vd}" not found`);
  const named = namedVolumes(h.binds)[0];
  if (named !== undefined) throw refuse(named);
  const covered = new Set([...h.binds.map((b) => b.split(':')[1] ?? ''), ...h.mounts.map((m) => m.target)].map((p) => p.replace(/\/+$/, '')));
  if (merged.volumes.some((v) => !covered.has(v.replace(/\/+$/, '')))) throw refuse(newId());
}

/** Start failures that are dockerd's own (its spec and link checks), reported as they are rather than as the runtime's. */
export function isDaemonStartError(message: string): boolean {
  if (/^container [0-9a-f]{64} is not running$/.test(message)) return true;
  return ['error gathering device information', 'invalid device cgroup rule format', 'Cannot link to a non running container'].some((p) => message.startsWith(p));
}

/**
 * `PidMode` / `IpcMode: container:<name>` name the container by its full id
 * from create on, as docker records it (400 when there is none).
 */
export function resolvePidMode(spec: ContainerSpec, find: (idOrName: string) => Container): ContainerSpec {
  const byId = (mode: string | undefined): string | undefined => {
    if (mode === undefined || !mode.startsWith('container:')) return mode;
    const name = mode.slice('container:'.length);
    try {
      return `container:${find(name).id}`;
    } catch (err) {
      if (isNotFound(err)) throw invalidArgument(`No such container: ${name}`);
      throw err;
    }
  };
  const pidMode = byId(spec.host.pidMode);
  const ipcMode = byId(spec.host.ipcMode);
  if (pidMode === spec.host.pidMode && ipcMode === spec.host.ipcMode) return spec;
  return { ...spec, host: { ...spec.host, ...(pidMode !== undefined ? { pidMode } : {}), ...(ipcMode !== undefined ? { ipcMode } : {}) } };
}

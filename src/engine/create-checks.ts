// HostConfig fields dockerd refuses at create, with its texts and statuses:
// isolation, an unknown logging driver, a hostname with the host's UTS
// namespace, malformed published ports, a volume driver berth does not have.
import { internal, invalidArgument, notFound } from '../core/errors.ts';
import type { ContainerSpec } from '../core/types.ts';
import { validatePortBindings } from '../network/index.ts';

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
  const vd = h.volumeDriver ?? '';
  if (vd !== '' && vd !== 'local') {
    const first = namedVolumes(h.binds)[0];
    if (first !== undefined) throw notFound(`create ${first}: error looking up volume plugin ${vd}: plugin "${vd}" not found`);
  }
}

/** Start failures that are dockerd's own (its spec and link checks), reported as they are rather than as the runtime's. */
export function isDaemonStartError(message: string): boolean {
  return ['error gathering device information', 'invalid device cgroup rule format', 'Cannot link to a non running container'].some((p) => message.startsWith(p));
}

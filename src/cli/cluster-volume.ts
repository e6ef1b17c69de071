// cli: docker's cluster-volume (CSI, swarm) flags of `volume create` and `volume ls
// --cluster`: any of them turns the create body into one with a ClusterVolumeSpec,
// which the engine answers as it answers cluster volumes (outside a swarm: refused).
import type { Command } from 'commander';
import { parseRamBytes } from '../cli-kit/index.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export interface ClusterVolumeFlags {
  availability?: string;
  group?: string;
  limitBytes?: string;
  requiredBytes?: string;
  scope?: string;
  secret?: string[];
  sharing?: string;
  topologyPreferred?: string[];
  topologyRequired?: string[];
  type?: string;
}

export function addClusterVolumeFlags(cmd: Command): Command {
  // docker shows them to a swarm manager of API 1.42 or later only, with the defaults it applies
  const cluster = { needs: { version: '1.42', swarm: 'manager' } };
  describeFlags(cmd, {
    availability: { def: 'active', ...cluster }, group: cluster, 'limit-bytes': cluster, 'required-bytes': cluster,
    scope: { def: 'single', ...cluster }, secret: { def: 'map[]', ...cluster }, sharing: { def: 'none', ...cluster },
    'topology-preferred': cluster, 'topology-required': cluster, type: { def: 'block', ...cluster },
  });
  return cmd
    .option('--availability <string>', 'Cluster Volume availability ("active", "pause", "drain")')
    .option('--group <string>', 'Cluster Volume group (cluster volumes)')
    .option('--limit-bytes <bytes>', 'Minimum size of the Cluster Volume in bytes')
    .option('--required-bytes <bytes>', 'Maximum size of the Cluster Volume in bytes')
    .option('--scope <string>', 'Cluster Volume access scope ("single", "multi")')
    .option('--secret <map>', 'Cluster Volume secrets', collect)
    .option('--sharing <string>', 'Cluster Volume access sharing ("none", "readonly", "onewriter", "all")')
    .option('--topology-preferred <list>', 'A topology that the Cluster Volume would be preferred in', collect)
    .option('--topology-required <list>', 'A topology that the Cluster Volume must be accessible from', collect)
    .option('--type <string>', 'Cluster Volume access type ("mount", "block")');
}

const size = (text: string, flag: string) => {
  try { return parseRamBytes(text); } catch { throw new Error(`invalid argument "${text}" for "${flag}" flag: invalid size: '${text}'`); }
};

const topology = (values: readonly string[]) => values.map((t) => ({
  Segments: Object.fromEntries(t.split(',').map((kv) => { const i = kv.indexOf('='); return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)]; })),
}));

/** The ClusterVolumeSpec the docker CLI sends when any cluster flag is given, else undefined. */
export function clusterVolumeSpec(f: ClusterVolumeFlags): Record<string, unknown> | undefined {
  const given = [f.availability, f.group, f.limitBytes, f.requiredBytes, f.scope, f.secret, f.sharing, f.topologyPreferred, f.topologyRequired, f.type].some((x) => x !== undefined);
  if (!given) return undefined;
  const type = f.type ?? 'block';
  const accessMode: Record<string, unknown> = { Scope: f.scope ?? 'single', Sharing: f.sharing ?? 'none' };
  if (type === 'mount') accessMode['MountVolume'] = {};
  else if (type === 'block') accessMode['BlockVolume'] = {};
  const spec: Record<string, unknown> = {
    Group: f.group ?? '',
    AccessMode: accessMode,
    Availability: f.availability ?? 'active',
    CapacityRange: { RequiredBytes: f.requiredBytes ? size(f.requiredBytes, '--required-bytes') : 0, LimitBytes: f.limitBytes ? size(f.limitBytes, '--limit-bytes') : 0 },
  };
  if (f.secret?.length) {
    spec['Secrets'] = f.secret.map((s) => {
      const i = s.indexOf('=');
      if (i < 0) throw new Error(`invalid argument "${s}" for "--secret" flag: bad format for secret: ${s}`);
      return { Key: s.slice(0, i), Secret: s.slice(i + 1) };
    });
  }
  if (f.topologyPreferred?.length || f.topologyRequired?.length) {
    spec['AccessibilityRequirements'] = { Requisite: topology(f.topologyRequired ?? []), Preferred: topology(f.topologyPreferred ?? []) };
  }
  return spec;
}

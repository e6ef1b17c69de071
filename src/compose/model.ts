// compose: the normalised project model that the loader produces and the
// commands consume (and that `compose config` prints).
import type { PortConfig } from './ports.ts';
import type { FileGrant, FileObject } from './configs-secrets.ts';

export type BindRecursive = 'enabled' | 'disabled' | 'writable' | 'readonly';

export interface VolumeMount {
  readonly type: 'bind' | 'volume' | 'tmpfs';
  /** Absolute host path for binds, the volume's key in the file for named volumes. */
  readonly source?: string;
  readonly target: string;
  readonly read_only?: boolean;
  /** recursive: a read-only bind's submounts (Docker Engine 25's BindOptions): `enabled` (default), `disabled`, `writable`, `readonly`. */
  readonly bind?: { readonly create_host_path?: boolean; readonly recursive?: BindRecursive };
}

export interface DependsOn {
  readonly condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  readonly required: boolean;
  readonly restart?: boolean;
}

export interface BuildConfig {
  readonly context: string;
  readonly dockerfile: string;
  readonly args?: Readonly<Record<string, string | null>>;
  readonly target?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** One service; keys not normalised here stay as the file gives them in `raw`. */
export interface ServiceConfig {
  readonly name: string;
  readonly image?: string;
  readonly build?: BuildConfig;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment: Readonly<Record<string, string | null>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly PortConfig[];
  readonly volumes: readonly VolumeMount[];
  /** Network key in the project → options (aliases). */
  readonly networks: Readonly<Record<string, { readonly aliases?: readonly string[]; readonly ipv4_address?: string } | null>>;
  readonly depends_on: Readonly<Record<string, DependsOn>>;
  readonly profiles: readonly string[];
  readonly scale: number;
  /** Configs and secrets granted to the service (absent: none). */
  readonly configs?: readonly FileGrant[];
  readonly secrets?: readonly FileGrant[];
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface NetworkConfig {
  /** The engine's name for the network (`<project>_<key>` unless `name:`/external). */
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly internal?: boolean;
  readonly ipam?: unknown;
}

export interface VolumeConfig {
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly driver_opts?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface Project {
  readonly name: string;
  readonly workingDir: string;
  readonly configFiles: readonly string[];
  /** Services enabled by the active profiles, in file order. */
  readonly services: readonly ServiceConfig[];
  /** Services left out by profiles (still known, e.g. for `run`). */
  readonly disabled: readonly ServiceConfig[];
  readonly networks: Readonly<Record<string, NetworkConfig>>;
  readonly volumes: Readonly<Record<string, VolumeConfig>>;
  /** Top-level configs and secrets by key (absent: none). */
  readonly configs?: Readonly<Record<string, FileObject>>;
  readonly secrets?: Readonly<Record<string, FileObject>>;
  /** The environment used for interpolation (.env + shell). */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

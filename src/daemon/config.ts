// berthd's configuration: command-line flags over /etc/berth/daemon.json over
// defaults. The file is optional unless named explicitly.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { invalidArgument } from '../core/errors.ts';
import type { LogLevel } from '../lib/logger.ts';
import type { RegistrySettings } from '../registry/index.ts';
import { registrySettingsFrom } from './registry-config.ts';

export interface DaemonConfig {
  readonly dataRoot: string;
  readonly execRoot: string;
  /** Unix socket paths to listen on. */
  readonly hosts: readonly string[];
  readonly defaultRuntime?: string;
  readonly runtimes: Readonly<Record<string, { path: string }>>;
  readonly logLevel: LogLevel;
  /** Default bridge device (`--bridge`, daemon.json "bridge") and its gateway/prefix (`--bip`, "bip"). */
  readonly bridge?: string;
  readonly bip?: string;
  /** The unix socket's group (`-G`/`--group`, daemon.json "group"); absent: `docker` if it exists, else root. */
  readonly group?: string;
  /** Registry settings: insecure registries, mirrors, certs.d beside the config file. */
  readonly registry?: RegistrySettings;
  /** The CRI front door (`--cri`, daemon.json "cri"): its socket and the CNI conf dir of its pods; absent when off. */
  readonly cri?: { readonly socket: string; readonly cniConfDir: string; readonly cniBinDir: string };
}

export const defaultConfigFile = '/etc/berth/daemon.json';

export const usage = `Usage:	berthd [OPTIONS]

A container engine that speaks Docker's Engine API

Options:
      --config-file string       Daemon configuration file (default "/etc/berth/daemon.json")
      --data-root string         Root directory of persistent berth state (default "/var/lib/berth")
      --default-runtime string   Default OCI runtime for containers (default: crun if usable, else runc)
      --exec-root string         Root directory for execution state files (default "/run/berth")
  -G, --group string             Group for the unix socket (default "docker")
  -H, --host list                Daemon socket(s) to connect to (default "unix:///run/berth/berth.sock")
      --cri                      Serve Kubernetes' CRI (gRPC) beside the Engine API
      --cri-socket string        The CRI's socket (default "unix:///run/berth/cri.sock")
      --cri-cni-conf-dir string  CNI network configurations of CRI pods (default "/etc/cni/net.d")
      --cri-cni-bin-dir string   CNI plugin binaries of CRI pods (default "/usr/lib/cni")
  -b, --bridge string            Attach containers to a network bridge (default "berth0")
      --bip string               Specify default-bridge IP (default: the first free of 172.17-31.0.1/16)
  -h, --help                     Print usage
  -l, --log-level string         Set the logging level ("debug"|"info"|"warn"|"error") (default "info")
  -v, --version                  Print version information and quit
`;

function socketPath(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw invalidArgument(`unsupported host "${host}": berthd listens on unix sockets only (unix:///path)`);
}

function isLogLevel(s: string): s is LogLevel {
  return s === 'debug' || s === 'info' || s === 'warn' || s === 'error';
}

export type ParsedArgs = { help: true } | { version: true } | { config: DaemonConfig };

export async function loadConfig(argv: readonly string[]): Promise<ParsedArgs> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'data-root': { type: 'string' },
      'exec-root': { type: 'string' },
      host: { type: 'string', short: 'H', multiple: true },
      'config-file': { type: 'string' },
      'default-runtime': { type: 'string' },
      'log-level': { type: 'string', short: 'l' },
      bridge: { type: 'string', short: 'b' },
      bip: { type: 'string' },
      group: { type: 'string', short: 'G' },
      cri: { type: 'boolean' },
      'cri-socket': { type: 'string' },
      'cri-cni-conf-dir': { type: 'string' },
      'cri-cni-bin-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  if (values.version) return { version: true };

  const configFile = values['config-file'] ?? defaultConfigFile;
  let file: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(configFile, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidArgument(`${configFile}: expected a JSON object`);
    file = parsed as Record<string, unknown>;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing || values['config-file'] !== undefined) {
      throw invalidArgument(`unable to configure the berth daemon with file ${configFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const fileStr = (key: string): string | undefined => {
    const v = file[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidArgument(`${configFile}: "${key}" must be a string`);
    return v;
  };
  const fileHosts = file['hosts'];
  if (fileHosts !== undefined && (!Array.isArray(fileHosts) || !fileHosts.every((h) => typeof h === 'string'))) {
    throw invalidArgument(`${configFile}: "hosts" must be a list of strings`);
  }
  const runtimesRaw = file['runtimes'] ?? {};
  const runtimes: Record<string, { path: string }> = {};
  if (typeof runtimesRaw !== 'object' || runtimesRaw === null) throw invalidArgument(`${configFile}: "runtimes" must be an object`);
  for (const [name, v] of Object.entries(runtimesRaw as Record<string, unknown>)) {
    const path = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['path'] : undefined;
    if (typeof path !== 'string') throw invalidArgument(`${configFile}: runtime "${name}" needs a "path"`);
    runtimes[name] = { path };
  }
  const logLevel = values['log-level'] ?? fileStr('log-level') ?? 'info';
  if (!isLogLevel(logLevel)) throw invalidArgument(`unable to parse logging level: ${logLevel}`);
  const hosts = (values.host ?? (fileHosts as string[] | undefined) ?? ['unix:///run/berth/berth.sock']).map(socketPath);
  const defaultRuntime = values['default-runtime'] ?? fileStr('default-runtime');
  const group = values.group ?? fileStr('group');
  const fileCri = file['cri'];
  if (fileCri !== undefined && typeof fileCri !== 'boolean') throw invalidArgument(`${configFile}: "cri" must be true or false`);
  const criOn = values.cri === true || fileCri === true;
  const cri = criOn
    ? {
        socket: socketPath(values['cri-socket'] ?? fileStr('cri-socket') ?? 'unix:///run/berth/cri.sock'),
        cniConfDir: values['cri-cni-conf-dir'] ?? fileStr('cri-cni-conf-dir') ?? '/etc/cni/net.d',
        cniBinDir: values['cri-cni-bin-dir'] ?? fileStr('cri-cni-bin-dir') ?? '/usr/lib/cni',
      }
    : undefined;
  return {
    config: {
      dataRoot: values['data-root'] ?? fileStr('data-root') ?? '/var/lib/berth',
      execRoot: values['exec-root'] ?? fileStr('exec-root') ?? '/run/berth',
      hosts,
      ...(defaultRuntime !== undefined ? { defaultRuntime } : {}),
      runtimes,
      logLevel,
      ...((values.bridge ?? fileStr('bridge')) !== undefined ? { bridge: (values.bridge ?? fileStr('bridge'))! } : {}),
      ...((values.bip ?? fileStr('bip')) !== undefined ? { bip: (values.bip ?? fileStr('bip'))! } : {}),
      ...(group !== undefined ? { group } : {}),
      registry: registrySettingsFrom(file, configFile),
      ...(cri !== undefined ? { cri } : {}),
    },
  };
}

// cli: `berth version` and `berth info`.
import { apiVersion } from '../../client/index.ts';
import { Template, ExitError, describeError, getClient, out } from '../../cli-kit/index.ts';
import { berthVersion } from '../version.ts';

function withFormat(format: string | undefined, data: unknown): boolean {
  if (format === undefined) return false;
  if (format === 'json') out(JSON.stringify(data) + '\n');
  else out(new Template(format).execute(data) + '\n');
  return true;
}

export async function versionCommand(opts: { format?: string }): Promise<void> {
  const engine = await getClient();
  let server: Record<string, unknown> | undefined;
  let failure: unknown;
  try {
    server = (await engine.version()) as Record<string, unknown>;
  } catch (e) {
    failure = e;
  }
  // The version in use: DOCKER_API_VERSION, or berth's lowered to an older daemon's.
  const client = {
    Version: berthVersion, ApiVersion: engine.apiVersion, DefaultAPIVersion: apiVersion, GoVersion: process.version, Os: process.platform,
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
  };
  // the docker CLI's template sees Go field names: APIVersion where the JSON says ApiVersion
  const goNames = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k === 'ApiVersion' ? 'APIVersion' : k, v]));
  if (withFormat(opts.format, { Client: goNames(client), Server: server ? goNames(server) : null })) return;
  const lines = [
    'Client:',
    ` Version:           ${client.Version}`,
    ` API version:       ${client.ApiVersion}${client.ApiVersion !== apiVersion ? ` (downgraded from ${apiVersion})` : ''}`,
    ` Node version:      ${client.GoVersion}`,
    ` OS/Arch:           ${client.Os}/${client.Arch}`,
  ];
  if (server) {
    const s = server as { Version?: string; ApiVersion?: string; MinAPIVersion?: string; GitCommit?: string; GoVersion?: string; Os?: string; Arch?: string; KernelVersion?: string; Components?: { Name: string; Version: string }[] };
    lines.push('', `Server:`, ' Engine:', `  Version:          ${s.Version ?? ''}`,
      `  API version:      ${s.ApiVersion ?? ''} (minimum version ${s.MinAPIVersion ?? ''})`,
      `  OS/Arch:          ${s.Os ?? ''}/${s.Arch ?? ''}`);
    for (const c of s.Components ?? []) if (c.Name !== 'Engine') lines.push(` ${c.Name}:`, `  Version:          ${c.Version}`);
  }
  out(lines.join('\n') + '\n');
  if (failure !== undefined) throw new ExitError(1, describeError(failure));
}

export async function infoCommand(opts: { format?: string }): Promise<void> {
  let info: Record<string, unknown>;
  try {
    info = (await (await getClient()).info()) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(1, describeError(e));
  }
  if (withFormat(opts.format, info)) return;
  const v = (k: string) => (info[k] === undefined || info[k] === null ? '' : String(info[k]));
  const lines = [
    'Client:', ` Version:    ${berthVersion}`, ' Context:    default', '',
    'Server:',
    ` Containers: ${v('Containers')}`, `  Running: ${v('ContainersRunning')}`, `  Paused: ${v('ContainersPaused')}`, `  Stopped: ${v('ContainersStopped')}`,
    ` Images: ${v('Images')}`, ` Server Version: ${v('ServerVersion')}`, ` Storage Driver: ${v('Driver')}`,
    ` Logging Driver: ${v('LoggingDriver')}`, ` Cgroup Driver: ${v('CgroupDriver')}`, ` Cgroup Version: ${v('CgroupVersion')}`,
    ` Default Runtime: ${v('DefaultRuntime')}`, ` Kernel Version: ${v('KernelVersion')}`, ` Operating System: ${v('OperatingSystem')}`,
    ` OSType: ${v('OSType')}`, ` Architecture: ${v('Architecture')}`, ` CPUs: ${v('NCPU')}`,
    ` Total Memory: ${info['MemTotal'] ? `${(Number(info['MemTotal']) / 1024 ** 3).toFixed(2)}GiB` : ''}`,
    ` Name: ${v('Name')}`, ` ID: ${v('ID')}`, ` Docker Root Dir: ${v('DockerRootDir')}`,
  ];
  out(lines.join('\n') + '\n');
}

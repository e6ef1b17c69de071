// cli/help: what docker asks the daemon before printing a help text — a ping
// whose headers say the API version, the OS, whether it is experimental and
// its swarm state — and its answer when nothing answers (docker/cli's
// initializeFromClient: experimental assumed, OS unknown, the client's version).
// Flags and commands the daemon cannot serve are left out of the help
// (cmd/docker's hideUnsupportedFeatures).
import { EngineClient, apiVersion, resolveHost } from '../../client/index.ts';

/** docker's versions.LessThan: dotted numbers compared part by part. */
export function versionLessThan(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

export interface ServerFacts {
  /** The API version in use: DOCKER_API_VERSION, else the lower of berth's and the daemon's. */
  readonly currentVersion: string;
  readonly hasExperimental: boolean;
  /** "" when unknown (no daemon). */
  readonly osType: string;
  /** The ping's Swarm header ("inactive", "active/manager"), undefined when the daemon sent none. */
  readonly swarm?: { readonly nodeState: string; readonly controlAvailable: boolean } | undefined;
}

/** docker's init timeout for the ping. */
const pingTimeoutMs = 2500;

/** Pings the daemon the command line names (-H, -c, DOCKER_HOST) without starting berthd. */
export async function serverFacts(choice: { host?: string; context?: string }, env: NodeJS.ProcessEnv = process.env): Promise<ServerFacts> {
  const fixed = env['DOCKER_API_VERSION'] || undefined;
  try {
    const host = resolveHost(choice, env);
    const client = new EngineClient(host !== undefined ? { host } : {});
    const { headers } = await client.raw('GET', '/_ping', { unversioned: true, signal: AbortSignal.timeout(pingTimeoutMs) });
    const server = headers['api-version'];
    const swarm = headers['swarm'];
    const [nodeState = '', role] = (swarm ?? '').split('/');
    return {
      currentVersion: fixed ?? (server !== undefined && versionLessThan(server, apiVersion) ? server : apiVersion),
      hasExperimental: headers['docker-experimental'] === 'true',
      osType: headers['ostype'] ?? '',
      swarm: swarm === undefined ? undefined : { nodeState, controlAvailable: role === 'manager' },
    };
  } catch {
    return { currentVersion: fixed ?? apiVersion, hasExperimental: true, osType: '' };
  }
}

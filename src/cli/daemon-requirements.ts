// cli: flags the docker CLI only lets through when the daemon can honour them — an
// API version (`"--platform" requires API version 1.48, …`) or experimental features
// (`"--squash" is only supported on a Docker daemon with experimental features
// enabled`) — checked against the daemon's _ping, with docker's messages.
import { apiVersion } from '../client/index.ts';
import { ExitError, getClient } from '../cli-kit/index.ts';

const below = (a: string, b: string) => {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 < b1 || (a1 === b1 && a2 < b2);
};

/** Throws docker's error when the daemon (or the API version in use) cannot take `flag`. */
export async function requireDaemon(flag: string, need: { readonly api?: string; readonly experimental?: boolean }): Promise<void> {
  const client = await getClient();
  const ping = await client.raw('GET', '/_ping', { unversioned: true });
  const server = ping.headers['api-version'] ?? apiVersion;
  // the version in use is the lower of berth's client version and the daemon's
  const inUse = below(server, apiVersion) ? server : apiVersion;
  if (need.api && below(inUse, need.api)) throw new ExitError(1, `"${flag}" requires API version ${need.api}, but the Docker daemon API version is ${inUse}`);
  if (need.experimental && ping.headers['docker-experimental'] !== 'true') throw new ExitError(1, `"${flag}" is only supported on a Docker daemon with experimental features enabled`);
}

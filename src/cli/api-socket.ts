// cli: docker's `run/create --use-api-socket` — the daemon's unix socket bind-mounted
// at /var/run/docker.sock, and a config.json holding every stored credential copied
// to /run/secrets/docker (DOCKER_CONFIG points there), so tools inside the container
// reach the same engine with the same registry logins.
import * as tar from 'tar-stream';
import type { EngineClient } from '../client/index.ts';
import type { ContainerCreateBody } from '../client/index.ts';
import { getAuth, readConfig } from '../cli-kit/index.ts';

const configDir = '/run/secrets/docker';

/** Adds the socket mount and DOCKER_CONFIG; throws docker's message for a TCP endpoint. */
export function addApiSocket(body: ContainerCreateBody, client: Pick<EngineClient, 'socketPath'>, host: string): void {
  if (!client.socketPath) throw new Error(`flag --use-api-socket can only be used with unix sockets: docker endpoint ${host} incompatible`);
  const hostConfig = (body.HostConfig ??= {});
  hostConfig.Mounts = [...(hostConfig.Mounts ?? []), { Type: 'bind', Source: client.socketPath, Target: '/var/run/docker.sock', BindOptions: {} }];
  body.Env = [...(body.Env ?? []), `DOCKER_CONFIG=${configDir}`];
}

/** config.json with each stored credential as an `auth` entry, as docker writes it. */
async function credentialsConfig(): Promise<Buffer> {
  const doc = await readConfig().catch(() => ({}) as Record<string, unknown>);
  const keys = new Set<string>(Object.keys((doc['auths'] ?? {}) as Record<string, unknown>));
  const helpers = doc['credHelpers'];
  if (typeof helpers === 'object' && helpers !== null) for (const k of Object.keys(helpers)) keys.add(k);
  const auths: Record<string, { auth: string }> = {};
  for (const key of keys) {
    const a = await getAuth(key).catch(() => undefined);
    if (a) auths[key] = { auth: Buffer.from(`${a.username}:${a.password}`).toString('base64') };
  }
  return Buffer.from(JSON.stringify({ auths }, null, '\t'));
}

/** Copies the credentials file into the created container (PUT /containers/{id}/archive at /). */
export async function copyApiSocketConfig(client: EngineClient, id: string): Promise<void> {
  const file = await credentialsConfig();
  const pack = tar.pack();
  pack.entry({ name: `${configDir}/config.json`, size: file.length, mode: 0o600 }, file);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  await client.raw('PUT', `/containers/${encodeURIComponent(id)}/archive`, { query: { path: '/' }, body: Buffer.concat(chunks), headers: { 'Content-Type': 'application/x-tar' } });
}

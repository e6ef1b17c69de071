// cli-kit: credentials kept the way docker keeps them, in $DOCKER_CONFIG/config.json
// (default ~/.docker/config.json): `auths` entries with base64 `user:password`,
// or a credential helper (`credsStore`, `credHelpers`: docker-credential-<name>
// get/store/erase). docker.io's entry is keyed `https://index.docker.io/v1/`.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const dockerIoKey = 'https://index.docker.io/v1/';

export interface StoredAuth {
  readonly username: string;
  readonly password: string;
  readonly serverAddress: string;
}

export function configPath(): string {
  const dir = process.env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
  return join(dir, 'config.json');
}

/** The key docker uses for a registry: index.docker.io's v1 URL for Docker Hub, else the host. */
export function registryKey(server: string | undefined): string {
  if (server === undefined || server === '') return dockerIoKey;
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io') return dockerIoKey;
  return host;
}

export async function readConfig(): Promise<Record<string, unknown>> {
  try {
    const doc: unknown = JSON.parse(await readFile(configPath(), 'utf8'));
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`WARNING: Error loading config file: ${configPath()}: ${(err as Error).message}`);
  }
}

async function writeConfig(doc: Record<string, unknown>): Promise<void> {
  const path = configPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp${process.pid}`;
  await writeFile(tmp, JSON.stringify(doc, null, '\t') + '\n', { mode: 0o600 });
  await rename(tmp, path);
}

function helperFor(doc: Record<string, unknown>, key: string): string | undefined {
  const helpers = doc['credHelpers'];
  if (typeof helpers === 'object' && helpers !== null) {
    const h = (helpers as Record<string, unknown>)[key];
    if (typeof h === 'string' && h !== '') return h;
  }
  return typeof doc['credsStore'] === 'string' && doc['credsStore'] !== '' ? doc['credsStore'] : undefined;
}

function runHelper(helper: string, action: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', (e) => reject(new Error(`error getting credentials - err: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(out.trim() || `docker-credential-${helper} ${action} failed`))));
    child.stdin.end(input);
  });
}

/** Credentials for a registry, or undefined when none are stored. */
export async function getAuth(server: string | undefined): Promise<StoredAuth | undefined> {
  const key = registryKey(server);
  const doc = await readConfig();
  const helper = helperFor(doc, key);
  if (helper !== undefined) {
    try {
      const r = JSON.parse(await runHelper(helper, 'get', key)) as { Username?: string; Secret?: string };
      if (r.Username !== undefined && r.Secret !== undefined) return { username: r.Username, password: r.Secret, serverAddress: key };
    } catch {
      return undefined;
    }
    return undefined;
  }
  const auths = (doc['auths'] ?? {}) as Record<string, { auth?: string; username?: string; password?: string }>;
  const entry = auths[key] ?? auths[`https://${key}`] ?? auths[`http://${key}`];
  if (entry === undefined) return undefined;
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return undefined;
    return { username: text.slice(0, colon), password: text.slice(colon + 1), serverAddress: key };
  }
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password, serverAddress: key };
  return undefined;
}

/** Stores credentials; returns whether they went to the plain-text file (docker then warns). */
export async function storeAuth(server: string | undefined, username: string, password: string): Promise<{ plainText: boolean }> {
  const key = registryKey(server);
  const doc = await readConfig();
  const helper = helperFor(doc, key);
  if (helper !== undefined) {
    await runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: username, Secret: password }));
    const auths = { ...((doc['auths'] ?? {}) as Record<string, unknown>), [key]: {} };
    await writeConfig({ ...doc, auths });
    return { plainText: false };
  }
  const auths = { ...((doc['auths'] ?? {}) as Record<string, unknown>), [key]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  await writeConfig({ ...doc, auths });
  return { plainText: true };
}

/** Removes stored credentials; returns false when there were none. */
export async function eraseAuth(server: string | undefined): Promise<boolean> {
  const key = registryKey(server);
  const doc = await readConfig();
  const auths = { ...((doc['auths'] ?? {}) as Record<string, unknown>) };
  const had = key in auths;
  const helper = helperFor(doc, key);
  if (helper !== undefined) await runHelper(helper, 'erase', key).catch(() => undefined);
  if (!had && helper === undefined) return false;
  delete auths[key];
  await writeConfig({ ...doc, auths });
  return true;
}

/** docker's X-Registry-Auth value: base64url of the AuthConfig JSON. */
export function registryAuthHeader(auth: StoredAuth | undefined): string {
  const doc = auth ? { username: auth.username, password: auth.password, serveraddress: auth.serverAddress } : {};
  return Buffer.from(JSON.stringify(doc)).toString('base64url');
}

/**
 * docker's X-Registry-Config value for builds: base64url JSON of every stored
 * credential (auths entries and credential helpers), keyed as config.json keys them.
 */
export async function registryConfigHeader(): Promise<string> {
  // An unreadable config.json gives no credentials here; the commands that need them say why.
  const doc = await readConfig().catch(() => ({}) as Record<string, unknown>);
  const keys = new Set<string>(Object.keys((doc['auths'] ?? {}) as Record<string, unknown>));
  const helpers = doc['credHelpers'];
  if (typeof helpers === 'object' && helpers !== null) for (const k of Object.keys(helpers)) keys.add(k);
  const out: Record<string, { username: string; password: string; serveraddress: string }> = {};
  for (const key of keys) {
    const auth = await getAuth(key).catch(() => undefined);
    if (auth !== undefined) out[key] = { username: auth.username, password: auth.password, serveraddress: auth.serverAddress };
  }
  return Buffer.from(JSON.stringify(out)).toString('base64url');
}

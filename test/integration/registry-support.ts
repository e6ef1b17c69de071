// Support for the registry tests: starts Debian's `docker-registry` on a free
// loopback port with its own temp storage (plain http, or TLS and htpasswd, or
// a token realm), stops it by its pid, and builds small images as OCI layouts
// (busybox-static, gzip layer) that skopeo copies into a registry.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { busyboxTar } from './acceptance-support.ts';

export interface Registry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly dir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(url: string, child: ChildProcess, ca?: Buffer, mutual = false): Promise<void> {
  const deadline = Date.now() + 15_000;
  const { request } = await import(url.startsWith('https') ? 'node:https' : 'node:http');
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const req = request(`${url}/v2/`, { ...(ca ? { ca } : {}), timeout: 1000 }, (r: import('node:http').IncomingMessage) => {
        r.resume();
        res((r.statusCode ?? 0) > 0);
      });
      // A registry that wants a client certificate is up when it turns down a client without one.
      req.on('error', (e: Error) => res(mutual && /certificate required|alert/i.test(e.message)));
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${url}`);
}

export interface RegistryOptions {
  /** PEM cert and key for TLS; with `clientCa`, clients must present a certificate that CA signed (mutual TLS). */
  readonly tls?: { cert: string; key: string; ca: Buffer; clientCa?: Buffer };
  /** htpasswd file contents (bcrypt). */
  readonly htpasswd?: string;
  /** Token auth: realm URL, service, issuer and the PEM cert bundle of the signing key. */
  readonly token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync('/tmp/berth-registry-');
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (options.tls) {
    writeFileSync(join(dir, 'cert.pem'), options.tls.cert);
    writeFileSync(join(dir, 'key.pem'), options.tls.key);
    lines.push('  tls:', `    certificate: ${join(dir, 'cert.pem')}`, `    key: ${join(dir, 'key.pem')}`);
    if (options.tls.clientCa) {
      writeFileSync(join(dir, 'client-ca.pem'), options.tls.clientCa);
      lines.push('    clientcas:', `      - ${join(dir, 'client-ca.pem')}`);
    }
  }
  if (options.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), options.htpasswd);
    lines.push('auth:', '  htpasswd:', '    realm: basic-realm', `    path: ${join(dir, 'htpasswd')}`);
  } else if (options.token) {
    writeFileSync(join(dir, 'token-ca.pem'), options.token.rootCertBundle);
    lines.push('auth:', '  token:', `    realm: ${options.token.realm}`, `    service: ${options.token.service}`, `    issuer: ${options.token.issuer}`, `    rootcertbundle: ${join(dir, 'token-ca.pem')}`);
  }
  writeFileSync(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    log = (log + s).slice(-8000);
  });
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForRegistry(`${options.tls ? 'https' : 'http'}://${host}`, child, options.tls?.ca, options.tls?.clientCa !== undefined);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}: ${log}`);
  }
  return { host, dir, pid: child.pid ?? -1, stop };
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface OciLayoutImage {
  readonly dir: string;
  readonly manifestDigest: string;
  readonly configDigest: string;
  /** The image's own (top) layer blob. */
  readonly layerDigest: string;
  /** sha256 of /marker's content, to check inside a container. */
  readonly markerSha: string;
  cleanup(): void;
}

let cachedRootfs: Buffer | undefined;

/** A one-file tar (ustar): `name` holding `content`. */
export function oneFileTar(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (off: number, len: number, value: string) => header.write(value.slice(0, len), off, 'ascii');
  field(0, 100, name);
  field(100, 8, '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, content.length.toString(8).padStart(11, '0') + '\0');
  field(136, 12, '14000000000\0');
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

/** `n` bytes that depend on `seed` and do not compress. */
function noise(seed: string, n: number): Buffer {
  const parts: Buffer[] = [];
  let h = Buffer.from(seed);
  for (let have = 0; have < n; have += 32) {
    h = createHash('sha256').update(h).digest();
    parts.push(h);
  }
  return Buffer.concat(parts).subarray(0, n);
}

/**
 * Writes an OCI image layout holding one image (tag `latest`): the busybox
 * layer (gzip) and a layer of its own with `/marker` (64 KiB that depend on
 * `marker`, compressed as `markerCompression` says), so that each marker gives
 * an image whose top layer no other test has pulled.
 */
export function busyboxOciLayout(marker = 'a', options: { markerCompression?: 'gzip' | 'zstd' | 'none' } = {}): OciLayoutImage {
  cachedRootfs ??= busyboxTar();
  const dir = mkdtempSync('/tmp/berth-oci-');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Buffer | string) => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), b);
    return d;
  };
  const base = gzipSync(cachedRootfs);
  const baseDigest = put(base);
  const markerTar = oneFileTar('marker', noise(marker, 64 * 1024));
  const compression = options.markerCompression ?? 'gzip';
  let layer: Buffer;
  let layerMediaType: string;
  if (compression === 'gzip') {
    layer = gzipSync(markerTar);
    layerMediaType = 'application/vnd.oci.image.layer.v1.tar+gzip';
  } else if (compression === 'zstd') {
    const z = spawnSync('zstd', ['-q', '-c'], { input: markerTar, maxBuffer: 64 << 20 });
    if (z.status !== 0) throw new Error('zstd failed');
    layer = z.stdout;
    layerMediaType = 'application/vnd.oci.image.layer.v1.tar+zstd';
  } else {
    layer = markerTar;
    layerMediaType = 'application/vnd.oci.image.layer.v1.tar';
  }
  const layerDigest = put(layer);
  const config = JSON.stringify({
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['sh'], Labels: { marker } },
    rootfs: { type: 'layers', diff_ids: [sha(cachedRootfs), sha(markerTar)] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'busybox-static' }, { created: '2024-01-01T00:00:00Z', created_by: `marker ${marker}` }],
  });
  const configDigest = put(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: Buffer.byteLength(config) },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: baseDigest, size: base.length },
      { mediaType: layerMediaType, digest: layerDigest, size: layer.length },
    ],
  });
  const manifestDigest = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: Buffer.byteLength(manifest), annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }),
  );
  return { dir, manifestDigest, configDigest, layerDigest, markerSha: sha(noise(marker, 64 * 1024)), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** skopeo copy with TLS verification off (loopback test registries). */
export function skopeo(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('skopeo', [...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export interface Proxy {
  readonly host: string;
  /** Blob GETs seen, with their Range headers. */
  readonly blobRequests: { path: string; range?: string }[];
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of a plain-http registry. `breakBlob` cuts the first
 * response of each blob after half of its bytes (to test resuming with Range);
 * `stallBlobs` sends half of each blob and then nothing (to kill berthd mid-pull).
 */
export async function startProxy(target: string, options: { breakBlob?: boolean; stallBlobs?: boolean; corruptBlobs?: boolean } = {}): Promise<Proxy> {
  const { createServer: createHttpServer, request } = await import('node:http');
  const broken = new Set<string>();
  const blobRequests: { path: string; range?: string }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createHttpServer((req, res) => {
    const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
    if (isBlob) blobRequests.push({ path: req.url ?? '', ...(typeof req.headers.range === 'string' ? { range: req.headers.range } : {}) });
    const up = request({ host: '127.0.0.1', port: Number(target.split(':')[1]), method: req.method, path: req.url, headers: { ...req.headers, host: target } }, (ur) => {
      const len = Number(ur.headers['content-length'] ?? 0);
      const big = isBlob && len > 4096;
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (!big || (!options.breakBlob && !options.stallBlobs && !options.corruptBlobs) || (options.breakBlob && broken.has(req.url ?? ''))) {
        ur.pipe(res);
        return;
      }
      broken.add(req.url ?? '');
      let sent = 0;
      ur.on('data', (c: Buffer) => {
        if (options.corruptBlobs) {
          const copy = Buffer.from(c);
          if (sent === 0) copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0xff;
          sent += c.length;
          res.write(copy);
          return;
        }
        if (sent >= len / 2) return;
        const part = c.subarray(0, Math.max(0, Math.min(c.length, Math.ceil(len / 2) - sent)));
        sent += part.length;
        const cut = sent >= len / 2 && options.breakBlob === true;
        res.write(part, () => {
          if (!cut) return;
          ur.destroy();
          res.socket?.destroy();
        });
      });
      ur.on('end', () => {
        if (options.corruptBlobs) res.end();
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as import('node:net').AddressInfo).port)));
  return {
    host: `127.0.0.1:${port}`,
    blobRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TestPki {
  readonly dir: string;
  /** PEM of the CA that signed the server certificate. */
  readonly caPem: Buffer;
  readonly serverCert: string;
  readonly serverKey: string;
  cleanup(): void;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
export function makePki(): TestPki {
  const dir = mkdtempSync('/tmp/berth-pki-');
  const sh = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  };
  sh(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=berth test CA']);
  sh(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sh(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
  const read = (n: string) => spawnSync('cat', [join(dir, n)], { encoding: 'buffer' }).stdout;
  return {
    dir,
    caPem: read('ca.crt'),
    serverCert: read('server.crt').toString(),
    serverKey: read('server.key').toString(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A client certificate (clientAuth) signed by the test CA, as PEM. */
export function makeClientCert(pki: TestPki, name: string): { cert: Buffer; key: Buffer } {
  const sh = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: pki.dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  };
  sh(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(pki.dir, `${name}.cnf`), 'extendedKeyUsage=clientAuth\n');
  sh(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.cert`, '-days', '2', '-extfile', `${name}.cnf`]);
  return { cert: readFileSync(join(pki.dir, `${name}.cert`)), key: readFileSync(join(pki.dir, `${name}.key`)) };
}

/** An htpasswd line (bcrypt), from apache2-utils' htpasswd. */
export function htpasswdLine(user: string, password: string): string {
  const r = spawnSync('htpasswd', ['-nbB', user, password], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
  return r.stdout.trim() + '\n';
}

export interface TokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM of the certificate whose key signs tokens (the registry's rootcertbundle). */
  readonly certPem: string;
  /** Token requests seen: account (if any) and scopes. */
  readonly requests: { account?: string; scopes: string[]; authorized: boolean }[];
  stop(): Promise<void>;
}

/**
 * A small token server (distribution's token auth): checks Basic credentials
 * against `users`, grants pull to everyone (but repositories named with
 * `privatePrefix` only to authenticated users) and push to authenticated users, and
 * signs JWTs (RS256) whose x5c header carries its certificate.
 */
export async function startTokenServer(users: Readonly<Record<string, string>>, options: { privatePrefix?: string } = {}): Promise<TokenServer> {
  const { createServer: createHttpServer } = await import('node:http');
  const { createSign, X509Certificate } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/berth-token-');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=berth token issuer'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
  const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const certDer = new X509Certificate(certPem).raw.toString('base64');
  const service = 'berth-test-registry';
  const issuer = 'berth-test-issuer';
  const requests: TokenServer['requests'] = [];
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    let account: string | undefined;
    let authorized = false;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [u = '', p = ''] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (users[u] !== p) {
        requests.push({ account: u, scopes, authorized: false });
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] }));
        return;
      }
      account = u;
      authorized = true;
    }
    requests.push({ ...(account ? { account } : {}), scopes, authorized });
    const access = scopes.map((s) => {
      const [type = '', name = '', actions = ''] = s.split(':');
      const wanted = actions.split(',');
      // Repositories under privatePrefix are pulled by authenticated users only.
      const isPrivate = options.privatePrefix !== undefined && name.startsWith(options.privatePrefix);
      return { type, name, actions: wanted.filter((a) => (a === 'pull' && (authorized || !isPrivate)) || (a === 'push' && authorized)) };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer] };
    const claims = { iss: issuer, sub: account ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access };
    const signing = `${b64(header)}.${b64(claims)}`;
    const sig = createSign('RSA-SHA256').update(signing).sign(keyPem).toString('base64url');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${signing}.${sig}`, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as import('node:net').AddressInfo).port)));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPem,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

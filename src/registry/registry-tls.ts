// TLS material for one registry host from a docker-style certs.d directory,
// read as dockerd reads `/etc/docker/certs.d/<host:port>/`: every `*.crt` is a
// CA trusted on top of the system's, every `*.cert` a client certificate whose
// key is the `*.key` of the same name (mutual TLS). A certificate without its
// key, or a key without its certificate, is an error with docker's wording.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import type { Logger } from '../lib/logger.ts';

export interface RegistryTls {
  /** The host's certs.d directory (which may not exist), for messages. */
  readonly dir?: string;
  /** Extra trusted CAs (PEM). */
  readonly ca: readonly Buffer[];
  /** The client certificate and its key, when the directory has one. */
  readonly client?: { readonly cert: Buffer; readonly key: Buffer; readonly name: string };
}

/** Reads `<certsDir>/<host>`; a missing directory means no extra TLS material. */
export async function readRegistryTls(certsDir: string | undefined, host: string, log?: Logger): Promise<RegistryTls> {
  if (certsDir === undefined) return { ca: [] };
  const dir = join(certsDir, host);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { dir, ca: [] };
    throw err;
  }
  const have = new Set(names);
  const ca: Buffer[] = [];
  const pairs: { cert: string; key: string }[] = [];
  for (const n of names) {
    if (n.endsWith('.crt')) ca.push(await readFile(join(dir, n)));
    else if (n.endsWith('.cert')) {
      const key = `${n.slice(0, -'.cert'.length)}.key`;
      if (!have.has(key)) throw invalidArgument(`missing key ${key} for client certificate ${n}. CA certificates must use the extension .crt`);
      pairs.push({ cert: n, key });
    } else if (n.endsWith('.key')) {
      const cert = `${n.slice(0, -'.key'.length)}.cert`;
      if (!have.has(cert)) throw invalidArgument(`missing client certificate ${cert} for key ${n}`);
    }
  }
  const first = pairs[0];
  if (first === undefined) return { dir, ca };
  // dockerd offers them all and Go picks one by the server's request; node takes one pair per key type: the first by name.
  if (pairs.length > 1) log?.warn('several client certificates for a registry: using the first', { dir, using: first.cert, ignored: pairs.slice(1).map((p) => p.cert) });
  return { dir, ca, client: { cert: await readFile(join(dir, first.cert)), key: await readFile(join(dir, first.key)), name: join(dir, first.cert) } };
}

/** A digest of the material, to tell whether it changed since an endpoint was made. */
export function tlsFingerprint(tls: RegistryTls): string {
  const h = createHash('sha256');
  for (const c of tls.ca) h.update(c).update('\0ca\0');
  if (tls.client) h.update(tls.client.cert).update('\0cert\0').update(tls.client.key);
  return h.digest('hex');
}

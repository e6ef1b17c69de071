// How `berth build --secret` values travel from the CLI to berthd: the classic
// builder protocol (`POST /build`) has no BuildKit session, so the CLI sends
// them in one request header, `X-Berth-Build-Secrets`: base64 of a JSON object
// mapping each secret id to its value in base64. Headers are not logged, not
// part of the context tar, and never stored; berthd holds the values in memory
// for the build and writes each only while a RUN step that mounts it runs.
// Node's servers accept about 16 KiB of headers, so the values together may
// be at most 12 KiB.
//
// `berth build --ssh id=socket` works the same way with `X-Berth-Build-Ssh`:
// base64 of a JSON object mapping ids to agent socket paths. berthd listens on
// a local socket only, so the client's paths are paths on berthd's host.
import { invalidArgument } from './errors.ts';

/** The header's name (lower case, as node presents incoming headers). */
export const secretsHeader = 'x-berth-build-secrets';

/** The most bytes of secret values one build can carry. */
export const maxSecretBytes = 12 * 1024;

/** Encodes secrets for the header; throws when they are too large. */
export function encodeBuildSecrets(secrets: ReadonlyMap<string, Buffer>): string {
  let total = 0;
  const obj: Record<string, string> = {};
  for (const [id, value] of secrets) {
    total += value.length;
    obj[id] = value.toString('base64');
  }
  if (total > maxSecretBytes) throw invalidArgument(`build secrets are too large: ${total} bytes, at most ${maxSecretBytes}`);
  return Buffer.from(JSON.stringify(obj)).toString('base64');
}

/** Decodes the header (absent: no secrets). */
export function buildSecretsHeader(raw: string | string[] | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (raw === undefined || raw === '') return out;
  const text = Array.isArray(raw) ? raw.join('') : raw;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('invalid build secrets header');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument('invalid build secrets header');
  for (const [id, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value !== 'string' || id === '') throw invalidArgument('invalid build secrets header');
    out.set(id, Buffer.from(value, 'base64'));
  }
  return out;
}

/** The header for `--ssh`: agent socket paths by id. */
export const sshHeader = 'x-berth-build-ssh';

export function encodeBuildSsh(sockets: ReadonlyMap<string, string>): string {
  return Buffer.from(JSON.stringify(Object.fromEntries(sockets))).toString('base64');
}

export function buildSshHeader(raw: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined || raw === '') return out;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(Array.isArray(raw) ? raw.join('') : raw, 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('invalid build ssh header');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument('invalid build ssh header');
  for (const [id, path] of Object.entries(v as Record<string, unknown>)) {
    if (typeof path !== 'string' || !path.startsWith('/')) throw invalidArgument('invalid build ssh header');
    out.set(id, path);
  }
  return out;
}

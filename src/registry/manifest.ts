// Validates manifests and indexes from a registry (OCI image spec and Docker
// schema 2) and picks an index entry for a platform, as containerd's
// platforms matcher does (os, architecture, variant; arm64 defaults to v8).
import { isDigest, type Digest } from '../core/digest.ts';
import { invalidArgument } from '../core/errors.ts';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from './types.ts';

export const manifestMediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** What berth asks for in `Accept`. */
export const acceptManifests = [
  manifestMediaTypes.ociIndex,
  manifestMediaTypes.dockerManifestList,
  manifestMediaTypes.ociManifest,
  manifestMediaTypes.dockerManifest,
].join(', ');

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  const d = obj(v);
  if (d === undefined) throw invalidArgument(`invalid ${what}: not an object`);
  const digest = d['digest'];
  const size = d['size'];
  const mediaType = d['mediaType'];
  if (typeof digest !== 'string' || !isDigest(digest)) throw invalidArgument(`invalid ${what}: unsupported digest ${JSON.stringify(digest)}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalidArgument(`invalid ${what}: bad size ${JSON.stringify(size)}`);
  if (typeof mediaType !== 'string') throw invalidArgument(`invalid ${what}: missing mediaType`);
  const p = obj(d['platform']);
  const platform =
    p && typeof p['os'] === 'string' && typeof p['architecture'] === 'string'
      ? { os: p['os'], architecture: p['architecture'], ...(typeof p['variant'] === 'string' ? { variant: p['variant'] } : {}) }
      : undefined;
  const urls = Array.isArray(d['urls']) ? d['urls'].filter((u): u is string => typeof u === 'string') : undefined;
  return { mediaType, digest: digest as Digest, size, ...(platform ? { platform } : {}), ...(urls ? { urls } : {}) };
}

export type ParsedManifest = { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

/** Parses a manifest or index; the media type comes from the document, else from the response header. */
export function parseManifest(bytes: Buffer, headerType?: string): ParsedManifest {
  let doc: Record<string, unknown> | undefined;
  try {
    doc = obj(JSON.parse(bytes.toString('utf8')));
  } catch (err) {
    throw invalidArgument(`invalid manifest: ${(err as Error).message}`, err);
  }
  if (doc === undefined) throw invalidArgument('invalid manifest: not a JSON object');
  const mediaType = (typeof doc['mediaType'] === 'string' ? doc['mediaType'] : undefined) ?? headerType?.split(';')[0]?.trim() ?? '';
  if (doc['schemaVersion'] === 1) throw invalidArgument('unsupported manifest: Docker schema 1 manifests are not supported');
  if (doc['schemaVersion'] !== 2) throw invalidArgument(`invalid manifest: schemaVersion ${JSON.stringify(doc['schemaVersion'])}`);
  if (Array.isArray(doc['manifests']) || mediaType === manifestMediaTypes.ociIndex || mediaType === manifestMediaTypes.dockerManifestList) {
    if (!Array.isArray(doc['manifests'])) throw invalidArgument('invalid index: no manifests');
    const manifests = doc['manifests'].map((m, i) => parseDescriptor(m, `index entry ${i}`));
    return { kind: 'index', index: { schemaVersion: 2, mediaType: mediaType || manifestMediaTypes.ociIndex, manifests } };
  }
  if (!Array.isArray(doc['layers'])) throw invalidArgument('invalid manifest: no layers');
  const config = parseDescriptor(doc['config'], 'manifest config');
  const layers = doc['layers'].map((l, i) => parseDescriptor(l, `manifest layer ${i}`));
  return { kind: 'manifest', manifest: { schemaVersion: 2, mediaType: mediaType || manifestMediaTypes.ociManifest, config, layers } };
}

const goArchNames: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The host platform as image indexes name it. */
export function hostPlatform(): Platform {
  const architecture = goArchNames[process.arch] ?? process.arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm') return { os: 'linux', architecture, variant: 'v7' };
  return { os: 'linux', architecture };
}

/** Parses `linux/amd64`, `linux/arm64/v8`, `linux` (os only → the host's architecture). */
export function parsePlatform(s: string): Platform {
  const parts = s.toLowerCase().split('/');
  const [os, arch, variant] = parts;
  if (parts.length > 3 || !os) throw invalidArgument(`"${s}": unknown operating system or architecture: invalid argument`);
  const architecture = arch ? normalizeArch(arch) : hostPlatform().architecture;
  return { os, architecture, ...(variant ? { variant } : architecture === 'arm64' ? { variant: 'v8' } : {}) };
}

function normalizeArch(a: string): string {
  if (a === 'x86_64' || a === 'x86-64') return 'amd64';
  if (a === 'aarch64') return 'arm64';
  if (a === 'i386') return '386';
  return a;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/** Whether an index entry's platform serves `want`. */
export function platformMatches(have: Platform, want: Platform): boolean {
  if (have.os !== want.os || normalizeArch(have.architecture) !== want.architecture) return false;
  const hv = have.variant ?? (want.architecture === 'arm64' ? 'v8' : undefined);
  if (want.variant === undefined || hv === undefined) return true;
  return hv === want.variant;
}

/** The entry of an index for `want`; undefined when none matches. */
export function selectManifest(index: ImageIndex, want: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter((m) => m.platform !== undefined && platformMatches(m.platform, want));
  // An exact variant beats an entry without one.
  return candidates.find((m) => m.platform?.variant === want.variant) ?? candidates[0];
}

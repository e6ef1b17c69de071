// A build's `platform` read the way containerd's platforms.Parse reads it
// (dockerd 20.10 checks it before the build): `os[/arch[/variant]]` or a bare
// architecture, with the usual aliases (x86_64, aarch64, armhf…).
import { invalidArgument } from '../core/errors.ts';

const knownOs = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos']);
const knownArch = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm']);
const archAliases: Record<string, [string, string]> = {
  i386: ['386', ''], x86_64: ['amd64', ''], 'x86-64': ['amd64', ''], aarch64: ['arm64', ''], armhf: ['arm', 'v7'], armel: ['arm', 'v6'],
};

export interface Platform {
  readonly os: string;
  readonly arch: string;
  readonly variant: string;
}

/** Parses `spec`; throws containerd's words (`"x": unknown operating system or architecture: invalid argument`). */
export function parsePlatform(spec: string, host: Platform): Platform {
  const parts = spec.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => !/^[a-z0-9_-]+$/.test(p))) throw invalidArgument(`${JSON.stringify(spec)}: cannot parse platform specifier: invalid argument`);
  const arch = (a: string, v: string): [string, string] => {
    const alias = archAliases[a];
    if (alias) return [alias[0], v || alias[1]];
    return [a, a === 'arm64' && v === 'v8' ? '' : v];
  };
  if (parts.length === 1) {
    const p = parts[0] as string;
    if (knownOs.has(p)) return { os: p, arch: host.arch, variant: host.variant };
    const [a, v] = arch(p, '');
    if (knownArch.has(a)) return { os: host.os, arch: a, variant: v };
    throw invalidArgument(`${JSON.stringify(spec)}: unknown operating system or architecture: invalid argument`);
  }
  const [a, v] = arch(parts[1] as string, parts[2] ?? '');
  return { os: parts[0] as string, arch: a, variant: v };
}

// Linux capability sets for containers: Docker's default set, the full list the
// kernel knows, and cap-add/cap-drop (including `ALL`) applied as moby does.
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../core/index.ts';

/** Docker's default capabilities, in moby's order. */
export const defaultCapabilities: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability by number (index = capability number), as in linux/capability.h. */
const capabilityNumbers: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export const knownCapabilities: readonly string[] = capabilityNumbers;

let ownBounding: readonly string[] | undefined;

/**
 * The capabilities berthd itself may hand out: its own bounding set. A container
 * asking for more fails in the runtime ("unable to apply caps"), which is what
 * docker's --privileged does on a host where root lacks some (e.g. CAP_SYS_RESOURCE
 * here); berth gives a privileged container what the host allows instead.
 */
export function hostCapabilities(): readonly string[] {
  if (ownBounding) return ownBounding;
  let mask: bigint | undefined;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
    if (m?.[1]) mask = BigInt('0x' + m[1]);
  } catch {
    // Not Linux or no procfs: assume every known capability.
  }
  ownBounding = capabilityNumbers.filter((_, i) => mask === undefined || ((mask >> BigInt(i)) & 1n) === 1n);
  return ownBounding;
}

/** `sys_admin`, `SYS_ADMIN`, `CAP_SYS_ADMIN` → `CAP_SYS_ADMIN`; `all` → `ALL`. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/**
 * Applies cap-add and cap-drop to `base` as moby's TweakCapabilities does:
 * drop ALL empties the base set, add ALL adds every capability, and an added
 * capability wins over the same one dropped.
 */
export function tweakCapabilities(
  base: readonly string[],
  capAdd: readonly string[],
  capDrop: readonly string[],
  all: readonly string[] = hostCapabilities(),
): string[] {
  const adds = capAdd.map(normalizeCapability);
  const drops = capDrop.map(normalizeCapability);
  for (const c of adds) {
    if (c !== 'ALL' && !knownCapabilities.includes(c)) throw invalidArgument(`invalid CapAdd: unknown capability: "${c}"`);
  }
  for (const c of drops) {
    if (c !== 'ALL' && !knownCapabilities.includes(c)) throw invalidArgument(`invalid CapDrop: unknown capability: "${c}"`);
  }
  if (adds.includes('ALL')) {
    return all.filter((c) => !drops.includes(c) || adds.includes(c));
  }
  const result: string[] = drops.includes('ALL') ? [] : base.filter((c) => !drops.includes(c));
  for (const c of adds) {
    if (!result.includes(c)) result.push(c);
  }
  return result;
}

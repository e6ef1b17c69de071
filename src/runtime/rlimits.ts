// Process rlimits for containers. berthd's root lacks CAP_SYS_RESOURCE on some
// hosts, so a limit above berthd's own hard limit would make the runtime fail:
// every requested limit is clamped to what berthd itself has (read at run time).
import { readFileSync } from 'node:fs';
import type { Ulimit } from '../core/index.ts';
import { invalidArgument } from '../core/index.ts';

export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

/**
 * "Unlimited" as written into config.json. RLIM_INFINITY (2^64-1) has no exact
 * JavaScript number, and JSON.stringify would round it into a value Go rejects
 * for a uint64; the largest safe integer is effectively unlimited.
 */
export const RLIM_UNLIMITED = Number.MAX_SAFE_INTEGER;

/** docker's --ulimit names → /proc/<pid>/limits row names. */
const procNames: Record<string, string> = {
  cpu: 'Max cpu time', fsize: 'Max file size', data: 'Max data size', stack: 'Max stack size',
  core: 'Max core file size', rss: 'Max resident set', nproc: 'Max processes', nofile: 'Max open files',
  memlock: 'Max locked memory', as: 'Max address space', locks: 'Max file locks',
  sigpending: 'Max pending signals', msgqueue: 'Max msgqueue size', nice: 'Max nice priority',
  rtprio: 'Max realtime priority', rttime: 'Max realtime timeout',
};

/** Parses /proc/<pid>/limits into name → { soft, hard } (unlimited → RLIM_UNLIMITED). */
export function parseProcLimits(text: string): Map<string, { soft: number; hard: number }> {
  const byRow = new Map<string, { soft: number; hard: number }>();
  for (const line of text.split('\n').slice(1)) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) continue;
    const num = (s: string) => (s === 'unlimited' ? RLIM_UNLIMITED : Math.min(Number(s), RLIM_UNLIMITED));
    byRow.set(m[1], { soft: num(m[2]), hard: num(m[3]) });
  }
  const out = new Map<string, { soft: number; hard: number }>();
  for (const [name, row] of Object.entries(procNames)) {
    const v = byRow.get(row);
    if (v) out.set(name, v);
  }
  return out;
}

let own: Map<string, { soft: number; hard: number }> | undefined;

/** berthd's own limits (read once; they do not change while it runs). */
export function ownLimits(): Map<string, { soft: number; hard: number }> {
  if (!own) {
    try {
      own = parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
    } catch {
      own = new Map();
    }
  }
  return own;
}

/**
 * OCI rlimits for the container: the requested ulimits clamped to `limits`' hard
 * values, plus RLIMIT_NOFILE = min(1048576, own hard) when not requested, as docker does.
 */
export function buildRlimits(ulimits: readonly Ulimit[], limits: Map<string, { soft: number; hard: number }> = ownLimits()): OciRlimit[] {
  const out: OciRlimit[] = [];
  const seen = new Set<string>();
  for (const u of ulimits) {
    const name = u.name.toLowerCase();
    if (!(name in procNames)) throw invalidArgument(`invalid ulimit type: ${u.name}`);
    const cap = limits.get(name)?.hard ?? RLIM_UNLIMITED;
    const norm = (v: number) => (v < 0 ? RLIM_UNLIMITED : Math.min(v, RLIM_UNLIMITED));
    const hard = Math.min(norm(u.hard), cap);
    const soft = Math.min(norm(u.soft), hard);
    const type = `RLIMIT_${name.toUpperCase()}`;
    const existing = out.findIndex((r) => r.type === type);
    if (existing >= 0) out.splice(existing, 1);
    out.push({ type, hard, soft });
    seen.add(name);
  }
  if (!seen.has('nofile')) {
    const n = Math.min(1048576, limits.get('nofile')?.hard ?? 1048576);
    out.push({ type: 'RLIMIT_NOFILE', hard: n, soft: n });
  }
  return out;
}

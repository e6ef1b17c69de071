// The host firewall around a benchmark dockerd that runs with --iptables=true
// (the benches' default-bridge cases, lib/daemons.ts): a snapshot of `iptables-save` and
// of the forwarding/bridge-netfilter sysctls before dockerd starts, and a
// restore afterwards that takes out exactly what dockerd added — its DOCKER*
// chains and every rule naming them or its bridge — and puts back policies,
// rules of the snapshot dockerd dropped, and the sysctls. Rules other programs
// (a berthd's CNI plugins) add or remove meanwhile are left alone, so a restore
// never undoes someone else's work; the report says whether the firewall now
// equals the snapshot line for line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const sysctls = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/bridge/bridge-nf-call-iptables', '/proc/sys/net/bridge/bridge-nf-call-ip6tables'];

export interface FirewallSnapshot {
  readonly tables: Map<string, Table>;
  readonly text: string;
  readonly sysctls: Map<string, string>;
}

interface Table {
  /** Chain → policy (`-` for user chains). */
  readonly chains: Map<string, string>;
  /** `-A …` lines in order. */
  readonly rules: string[];
}

function save(): string {
  const r = spawnSync('iptables-save', [], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`iptables-save failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** iptables-save text without comments and counters, table by table. */
export function parseSave(text: string): Map<string, Table> {
  const tables = new Map<string, Table>();
  let cur: Table | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      cur = { chains: new Map(), rules: [] };
      tables.set(line.slice(1), cur);
    } else if (line.startsWith(':') && cur) {
      const [chain = '', policy = '-'] = line.slice(1).split(/\s+/);
      cur.chains.set(chain, policy);
    } else if (line.startsWith('-A ') && cur) cur.rules.push(line);
  }
  return tables;
}

/** One normalised text of the tables, for comparing two saves. */
export function normalise(tables: Map<string, Table>): string {
  const out: string[] = [];
  for (const name of [...tables.keys()].sort()) {
    const t = tables.get(name)!;
    out.push(`*${name}`, ...[...t.chains].map(([c, p]) => `:${c} ${p}`), ...t.rules);
  }
  return out.join('\n');
}

export function snapshotFirewall(): FirewallSnapshot {
  const text = save();
  const values = new Map<string, string>();
  for (const p of sysctls) if (existsSync(p)) values.set(p, readFileSync(p, 'utf8').trim());
  return { tables: parseSave(text), text, sysctls: values };
}

/** Splits a saved rule into iptables arguments (handles the double quotes of comments). */
export function ruleArgs(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of rule.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

function iptables(table: string, args: readonly string[]): string | undefined {
  const r = spawnSync('iptables', ['-w', '-t', table, ...args], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `iptables -t ${table} ${args.join(' ')}: ${r.stderr.trim()}`;
}

/**
 * Undoes what a dockerd using bridge `bridge` did to the firewall since `before`.
 * Returns notes for the report: failures, and the lines that still differ from
 * the snapshot (other programs' changes) when it is not restored exactly.
 */
export function restoreFirewall(before: FirewallSnapshot, bridge: string): { exact: boolean; notes: string[] } {
  const notes: string[] = [];
  const isDockers = (s: string) => /\bDOCKER[\w-]*/.test(s) || new RegExp(`(^|\\s)${bridge.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).test(s);
  const now = parseSave(save());
  for (const [name, t] of now) {
    const old = before.tables.get(name) ?? { chains: new Map<string, string>(), rules: [] };
    const newChains = [...t.chains.keys()].filter((c) => !old.chains.has(c) && isDockers(c));
    // Rules naming docker's chains or bridge that were not there before, from the end (so positions stay valid).
    const oldRules = new Set(old.rules);
    for (const rule of [...t.rules].reverse()) {
      const chain = ruleArgs(rule)[1] ?? '';
      if (oldRules.has(rule) || newChains.includes(chain) || !isDockers(rule)) continue;
      const err = iptables(name, ['-D', ...ruleArgs(rule).slice(1)]);
      if (err) notes.push(err);
    }
    for (const c of newChains) {
      const err = iptables(name, ['-F', c]);
      if (err) notes.push(err);
    }
    for (const c of newChains) {
      const err = iptables(name, ['-X', c]);
      if (err) notes.push(err);
    }
    for (const [chain, policy] of old.chains) {
      if (policy !== '-' && t.chains.get(chain) !== undefined && t.chains.get(chain) !== policy) {
        const err = iptables(name, ['-P', chain, policy]);
        if (err) notes.push(err);
      }
    }
    // Rules of the snapshot naming docker's chains that went missing (dockerd flushed a DOCKER chain that was there).
    const nowRules = new Set(t.rules);
    for (const rule of old.rules) {
      if (nowRules.has(rule) || !isDockers(rule)) continue;
      const err = iptables(name, ruleArgs(rule));
      if (err) notes.push(err);
    }
  }
  for (const [p, v] of before.sysctls) {
    try {
      if (readFileSync(p, 'utf8').trim() !== v) writeFileSync(p, `${v}\n`);
    } catch (e) {
      notes.push(`restoring ${p}: ${(e as Error).message}`);
    }
  }
  const after = normalise(parseSave(save()));
  const want = normalise(before.tables);
  const exact = after === want;
  if (!exact) {
    const a = new Set(after.split('\n'));
    const b = new Set(want.split('\n'));
    const added = [...a].filter((l) => !b.has(l));
    const gone = [...b].filter((l) => !a.has(l));
    const docker = [...added, ...gone].filter(isDockers);
    if (docker.length > 0) notes.push(`dockerd's lines still differ: ${docker.join(' | ')}`);
    const others = [...added.filter((l) => !isDockers(l)).map((l) => `+${l}`), ...gone.filter((l) => !isDockers(l)).map((l) => `-${l}`)];
    if (others.length > 0) notes.push(`${others.length} lines of other programs changed meanwhile (left alone): ${others.slice(0, 6).join(' | ')}`);
  }
  return { exact, notes };
}

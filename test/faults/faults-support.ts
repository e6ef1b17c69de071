// Support for the fault-injection tier: a private berthd on temp roots that
// can be started with BERTH_CRASH_AT (berthd SIGKILLs itself at that point,
// src/lib/crash-point.ts) and started again on the same roots; a reader of
// the store on disk that names what a crash may have left inconsistent; and
// counts of what a container leaves on the host (mounts, netns, veths,
// iptables rules, cgroups) and of berthd's own fds and memory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { berthBin, mountsUnder, run, unmountUnder, waitForPing, type RunOptions, type RunResult } from '../integration/acceptance-support.ts';
import { berthdBundle, httpRequest, type HttpResult } from '../integration/harness.ts';
import { berthdEnv, berthdNodeFlags } from '../../src/lib/node-flags.ts';

export interface FaultDaemon {
  readonly root: string;
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly bridge: string;
  readonly bip: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pid: number;
  /** Everything berthd wrote to stderr since its last start. */
  log(): string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  berth(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Starts berthd (again) on the same roots; `crashAt` arms BERTH_CRASH_AT, `env` adds to berthd's environment (BERTH_HOLD_AT…). */
  start(options?: StartOptions): Promise<void>;
  /** Stops berthd (SIGTERM) if it runs, then start(). */
  restart(options?: StartOptions): Promise<void>;
  /** Resolves once berthd died of SIGKILL (the crash point), rejects if it exits otherwise or lives on past `ms`. */
  crashed(ms?: number): Promise<void>;
  /** Resolves when berthd's log has a line matching `re`. */
  waitLog(re: RegExp, ms?: number): Promise<void>;
  /**
   * Removes containers and user networks, stops berthd, its bridge and mounts,
   * removes the root. Throws for a leftover mount or iptables rule, but for
   * the default bridge's NAT rule, which it removes and returns, so that the
   * caller can fail with it (a successor adopts a crashed berthd's rule and
   * takes it along at its shutdown: network/masquerade.ts).
   */
  stop(): Promise<string[]>;
}

export interface StartOptions {
  readonly crashAt?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export async function faultDaemon(): Promise<FaultDaemon> {
  const root = mkdtempSync('/tmp/berth-faults-');
  const socket = join(root, 'berth.sock');
  const dataRoot = join(root, 'data');
  const execRoot = join(root, 'exec');
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const tag = randomBytes(3);
  const bridge = `bf${tag.toString('hex')}`;
  const bip = `10.${200 + (tag[0]! % 50)}.${tag[1]!}.1/24`;
  let child: ChildProcess | undefined;
  let text = '';
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const start = async (options: StartOptions = {}) => {
    text = '';
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...berthdEnv, BERTH_LOG_LEVEL: 'info' };
    for (const k of ['BERTH_CRASH_AT', 'BERTH_HOLD_AT', 'BERTH_HOLD_FILE']) delete childEnv[k];
    Object.assign(childEnv, options.env);
    if (options.crashAt !== undefined) childEnv['BERTH_CRASH_AT'] = options.crashAt;
    const c = spawn(process.execPath, [...berthdNodeFlags, berthdBundle, '--data-root', dataRoot, '--exec-root', execRoot, '--host', `unix://${socket}`, '--bridge', bridge, '--bip', bip], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv });
    c.stderr?.setEncoding('utf8').on('data', (s: string) => { text += s; });
    child = c;
    try {
      await waitForPing(socket, 30_000, c);
    } catch (err) {
      throw new Error(`${(err as Error).message}; berthd said: ${text.trim().split('\n').slice(-6).join('\n')}`);
    }
  };

  const crashed = async (ms = 60_000) => {
    const c = child;
    if (!c) throw new Error('berthd was never started');
    if (c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`berthd did not crash within ${ms} ms; log: ${text.slice(-1500)}`)), ms);
        c.once('exit', () => { clearTimeout(timer); resolve(); });
      });
    }
    if (c.signalCode !== 'SIGKILL') throw new Error(`berthd exited with ${c.exitCode ?? c.signalCode}, not by its crash point; log: ${text.slice(-1500)}`);
    if (!/BERTH_CRASH_AT reached/.test(text)) throw new Error(`berthd was SIGKILLed but not at its crash point; log: ${text.slice(-1500)}`);
  };

  const waitLog = async (re: RegExp, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!re.test(text)) {
      if (Date.now() > deadline) throw new Error(`berthd logged nothing matching ${re} within ${ms} ms; log: ${text.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const terminate = async () => {
    const c = child;
    if (!c || !alive()) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  };

  const stop = async () => {
    if (alive()) {
      const list = await httpRequest(socket, 'GET', '/containers/json?all=1').catch(() => undefined);
      const ids = list?.status === 200 ? (JSON.parse(list.body.toString()) as { Id: string }[]).map((c) => c.Id) : [];
      for (const id of ids) await httpRequest(socket, 'DELETE', `/containers/${id}?force=1&v=1`).catch(() => undefined);
      const nets = await httpRequest(socket, 'GET', '/networks').catch(() => undefined);
      const userNets = nets?.status === 200 ? (JSON.parse(nets.body.toString()) as { Id: string; Name: string }[]).filter((n) => !['bridge', 'host', 'none'].includes(n.Name)) : [];
      for (const n of userNets) await httpRequest(socket, 'DELETE', `/networks/${n.Id}`).catch(() => undefined);
    }
    await terminate();
    // With no container left, berthd's shutdown takes the network's NAT rule along.
    const rulesLeft = ruleLines([{ bridge, prefix: prefixOf(bip) }]);
    const natLeft = rulesLeft.filter((l) => l.startsWith('-A POSTROUTING ') && l.includes('berth masquerade'));
    for (const l of natLeft) spawnSync('iptables', ['-w', '-t', 'nat', ...shellWords(l.replace(/^-A /, '-D '))]);
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    const left = mountsUnder(root);
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`mounts left under ${root} after berthd stopped: ${left.join(', ')}`);
    const others = rulesLeft.filter((l) => !natLeft.includes(l));
    if (others.length > 0) throw new Error(`iptables rules left after berthd stopped: ${others.join(' | ')}`);
    return natLeft;
  };

  return {
    root, socket, dataRoot, execRoot, bridge, bip, env,
    get pid() { return child?.pid ?? -1; },
    log: () => text,
    request: (method, path, body, headers) => httpRequest(socket, method, path, body, headers),
    berth: (args, opts) => run(berthBin, args, { ...opts, env: { ...env, ...opts?.env } }),
    start,
    restart: async (options) => {
      await terminate();
      await start(options);
    },
    crashed, waitLog, stop,
  };
}

/** Splits an iptables-save line into words (double quotes group, as iptables-save writes comments). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]!));
}

// ---- the store as a crash left it ---------------------------------------------

const hex64 = /^[0-9a-f]{64}$/;

/** The OCI chain ids of a layer list (bottom first). */
function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out.at(-1);
    out.push(prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`);
  }
  return out;
}

function entries(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

export interface StoreReport {
  /** Image records whose config blob, layer row or snapshot is missing. */
  readonly halfImages: string[];
  /** Blobs nothing names: no image (config, manifest), no RepoDigest, no layer row. */
  readonly orphanBlobs: string[];
  /** Layer directories (and staging leftovers) no image and no container uses. */
  readonly orphanSnapshots: string[];
  /** Layer rows no image and no container uses. */
  readonly orphanLayerRows: string[];
  /** Container records without their rootfs (upper dir), or marked dead. */
  readonly brokenContainers: string[];
  /** Files in ingest/, tmp/, build-tmp/. */
  readonly scratch: string[];
}

/**
 * storeReport() once it is clean, or as it is after `ms`: a removal answers before its purge (the
 * runtime's delete, the rootfs, the record's row: engine/container/purges.ts) ends, so a report made
 * just after one may list its dead record for a moment.
 */
export async function settledStoreReport(dataRoot: string, ms = 5_000): Promise<StoreReport> {
  const deadline = Date.now() + ms;
  for (;;) {
    const report = storeReport(dataRoot);
    if (Object.values(report).every((list: unknown[]) => list.length === 0) || Date.now() > deadline) return report;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Reads the data root as berthd left it (its database opened read-only): what
 * is inconsistent, each list empty when the store is sound.
 */
export function storeReport(dataRoot: string): StoreReport {
  const db = new Database(join(dataRoot, 'berth.db'), { readonly: true, fileMustExist: true });
  try {
    const images = db.prepare('SELECT id, manifest_digest FROM images').all() as { id: string; manifest_digest: string | null }[];
    const tags = db.prepare('SELECT ref FROM tags').all() as { ref: string }[];
    const layers = db.prepare('SELECT chain_id, blob_digest FROM layers').all() as { chain_id: string; blob_digest: string | null }[];
    const containers = (db.prepare('SELECT id, json FROM containers').all() as { id: string; json: string }[]).map((r) => ({ id: r.id, c: JSON.parse(r.json) as { state: { status: string }; lowerChain?: string[] } }));
    const blobDir = join(dataRoot, 'blobs', 'sha256');
    const blobs = new Set(entries(blobDir).map((h) => `sha256:${h}`));
    const layerRows = new Set(layers.map((l) => l.chain_id));
    const snapshots = entries(join(dataRoot, 'snapshots'));
    const snapshotSet = new Set(snapshots.filter((n) => hex64.test(n)).map((n) => `sha256:${n}`));
    const usedChains = new Set<string>();
    const halfImages: string[] = [];
    for (const img of images) {
      if (!blobs.has(img.id)) { halfImages.push(`${img.id}: no config blob`); continue; }
      const config = JSON.parse(readFileSync(join(blobDir, img.id.slice(7)), 'utf8')) as { rootfs: { diff_ids: string[] } };
      for (const c of chainIds(config.rootfs.diff_ids)) {
        usedChains.add(c);
        if (!layerRows.has(c)) halfImages.push(`${img.id}: no layer row ${c}`);
        if (!snapshotSet.has(c)) halfImages.push(`${img.id}: no snapshot ${c}`);
      }
    }
    for (const { c } of containers) for (const l of c.lowerChain ?? []) usedChains.add(l);
    const named = new Set<string>();
    for (const img of images) {
      named.add(img.id);
      if (img.manifest_digest) named.add(img.manifest_digest);
    }
    for (const t of tags) if (t.ref.includes('@')) named.add(t.ref.slice(t.ref.lastIndexOf('@') + 1));
    for (const l of layers) if (l.blob_digest) named.add(l.blob_digest);
    const brokenContainers: string[] = [];
    for (const { id, c } of containers) {
      if (c.state.status === 'dead') brokenContainers.push(`${id}: dead`);
      if (!existsSync(join(dataRoot, 'containers-rootfs', id, 'upper'))) brokenContainers.push(`${id}: no rootfs`);
    }
    return {
      halfImages,
      orphanBlobs: [...blobs].filter((b) => !named.has(b)),
      orphanSnapshots: snapshots.filter((n) => !['l', 'empty'].includes(n) && !(hex64.test(n) && usedChains.has(`sha256:${n}`))),
      orphanLayerRows: [...layerRows].filter((c) => !usedChains.has(c)),
      brokenContainers,
      scratch: ['ingest', 'tmp', 'build-tmp'].flatMap((d) => entries(join(dataRoot, d)).map((n) => `${d}/${n}`)),
    };
  } finally {
    db.close();
  }
}

// ---- what the host holds for a daemon ---------------------------------------------

export interface HostCounts {
  /** Mount points at or under the daemon's root (overlays, netns, volumes, secrets). */
  readonly mounts: number;
  /** Files under <exec root>/netns (each a container's network namespace). */
  readonly netns: number;
  /** Interfaces enslaved to the given bridges (a container's host-side veth). */
  readonly veths: number;
  /** iptables rules (filter and nat) that name one of the given subnets or bridges, but for the networks' own NAT rule. */
  readonly rules: number;
  /** The networks' outbound NAT rules (`berth masquerade`): one per network that had a container, until the network or berthd goes. */
  readonly masquerade: number;
  /** Cgroup directories (any hierarchy) named by one of the given container ids. */
  readonly cgroups: number;
}

/** What the host holds for this daemon's containers, network by network (`nets`: bridge device and subnet prefix like `10.201.7.`). */
export function hostCounts(d: Pick<FaultDaemon, 'root' | 'execRoot'>, nets: readonly { bridge: string; prefix: string }[], ids: ReadonlySet<string>): HostCounts {
  let veths = 0;
  for (const n of nets) {
    const r = spawnSync('ip', ['-o', 'link', 'show', 'master', n.bridge], { encoding: 'utf8' });
    if (r.status === 0) veths += r.stdout.split('\n').filter((l) => l.trim() !== '').length;
  }
  let rules = 0;
  let masquerade = 0;
  for (const line of ruleLines(nets)) {
    if (line.includes('berth masquerade')) masquerade++;
    else rules++;
  }
  // v1: one berth/ per hierarchy; v2: berth/ under the unified root itself.
  let cgroups = 0;
  for (const base of ['/sys/fs/cgroup', ...entries('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h))]) {
    for (const name of entries(join(base, 'berth'))) if (ids.has(name)) cgroups++;
  }
  return { mounts: mountsUnder(d.root).length, netns: entries(join(d.execRoot, 'netns')).length, veths, rules, masquerade, cgroups };
}

/** iptables rules (filter and nat) that name one of the given subnets (`10.201.7.`) or bridges. */
export function ruleLines(nets: readonly { bridge: string; prefix: string }[]): string[] {
  const out: string[] = [];
  for (const table of ['filter', 'nat']) {
    const r = spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' });
    for (const line of r.stdout.split('\n')) if (line.startsWith('-A ') && nets.some((n) => line.includes(n.prefix) || line.includes(` ${n.bridge} `) || line.endsWith(` ${n.bridge}`))) out.push(line);
  }
  return out;
}

/** berthd's open file descriptors and resident memory (KiB). */
export function processCounts(pid: number): { fds: number; rssKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssKiB: rss ? Number(rss[1]) : 0 };
}

/** The subnet prefix (`10.201.7.`) of a `/24` gateway address like `10.201.7.1/24`. */
export function prefixOf(cidr: string): string {
  return cidr.split('/')[0]!.split('.').slice(0, 3).join('.') + '.';
}

/** Whether a path exists and is a directory. */
export function isDir(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
}

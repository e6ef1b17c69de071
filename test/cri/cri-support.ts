// The CRI tier's peers: a private berthd serving the CRI (its own roots,
// sockets and CNI conf dir), a private containerd v2 with its built-in CRI
// plugin as the oracle (its own root, state, socket, config and CNI conf dir,
// netns under its state dir), and crictl/critest as built by scripts/setup-cri.
// Each pod network is a CNI bridge of its own (a test-made name and /24), torn
// down with the runtime; stop() checks that no mount or netns of it is left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountsUnder, run, unmountUnder, type RunResult } from '../integration/acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from '../integration/harness.ts';
import { startRegistry, type Registry } from '../integration/registry-support.ts';

export const criBin = process.env['BERTH_CRI_BIN'] ?? '/opt/berth-test/cri/bin';
export const crictlBin = join(criBin, 'crictl');
export const critestBin = join(criBin, 'critest');
export const containerdBin = join(criBin, 'containerd');

/** Why the CRI tier cannot run here, or undefined when it can. */
export function criPeersMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'the CRI tier needs root';
  for (const bin of [crictlBin, critestBin, containerdBin, join(criBin, 'containerd-shim-runc-v2')]) {
    if (!existsSync(bin)) return `${bin} is missing: run scripts/setup-cri (scripts/setup does)`;
  }
  return undefined;
}

/** A CNI bridge network of the test's own: its conf dir, bridge name and subnet. */
export interface PodNet {
  readonly confDir: string;
  readonly bridge: string;
  readonly subnet: string;
  /** The first pod address host-local hands out. */
  readonly firstIp: string;
}

export function writePodNet(root: string): PodNet {
  const tag = randomBytes(3);
  const bridge = `bcri${tag.toString('hex')}`;
  const prefix = `10.${150 + (tag[0]! % 40)}.${tag[1]!}`;
  const subnet = `${prefix}.0/24`;
  const confDir = join(root, 'cni');
  mkdirSync(confDir, { recursive: true });
  const conf = {
    cniVersion: '1.0.0',
    name: `crinet-${tag.toString('hex')}`,
    plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(root, 'ipam') } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  writeFileSync(join(confDir, '10-pods.conflist'), JSON.stringify(conf, null, 2));
  return { confDir, bridge, subnet, firstIp: `${prefix}.2` };
}

/** A CRI runtime under test, as crictl and critest reach it. */
export interface CriRuntime {
  readonly name: 'berth' | 'containerd';
  readonly root: string;
  /** `unix:///…` */
  readonly endpoint: string;
  readonly net: PodNet;
  crictl(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Removes every pod, stops the runtime by its pid, and checks that nothing of it is left. */
  stop(): Promise<void>;
}

function crictlFor(endpoint: string) {
  return (args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}) =>
    run(crictlBin, ['--config', '/dev/null', '--runtime-endpoint', endpoint, '--image-endpoint', endpoint, '--timeout', '60s', ...args], {
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
}

/** Removes every pod through the CRI (their containers go with them), then what the CNI bridge left. */
async function removeAllPods(crictl: ReturnType<typeof crictlFor>): Promise<void> {
  const pods = await crictl(['pods', '-q']);
  for (const id of pods.stdout.split('\n').filter(Boolean)) {
    await crictl(['stopp', id]);
    await crictl(['rmp', '-f', id]);
  }
}

function leftNetns(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The registries critest pulls from, served by a local mirror instead (these machines reach none of them). */
export const mirroredRegistries = ['registry.k8s.io', 'gcr.io', 'k8s.gcr.io'];

/**
 * Waits until the CRI answers `crictl version`. berthd answers the Engine API first and loads the gRPC stack
 * for the CRI after: a loaded machine shows the gap.
 */
async function untilCriAnswers(crictl: ReturnType<typeof crictlFor>): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const v = await crictl(['version'], { timeoutMs: 10_000 });
    if (v.code === 0) return;
    if (Date.now() > deadline) throw new Error(`berthd's CRI did not answer within 30 s: ${v.stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A private berthd that serves the CRI on its own socket, pods on their own CNI network; `mirror` (`127.0.0.1:port`) serves mirroredRegistries. */
export async function startCriBerthd(options: { mirror?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CriRuntime & { daemon: Daemon }> {
  const pre = mkdtempSync('/tmp/berth-cri-net-');
  const net = writePodNet(pre);
  const criSocket = join(pre, 'cri.sock');
  const config = join(pre, 'daemon.json');
  const mirrors: Record<string, string[]> = {};
  if (options.mirror !== undefined) for (const r of mirroredRegistries) mirrors[r] = [`http://${options.mirror}`];
  writeFileSync(config, JSON.stringify({ 'registry-mirrors': mirrors }));
  const daemon = await startDaemon({ args: ['--config-file', config, '--cri', '--cri-socket', `unix://${criSocket}`, '--cri-cni-conf-dir', net.confDir], ...(options.env ? { env: options.env } : {}) });
  const endpoint = `unix://${criSocket}`;
  const crictl = crictlFor(endpoint);
  await untilCriAnswers(crictl).catch(async (err: unknown) => {
    await daemon.stop().catch(() => undefined);
    spawnSync('ip', ['link', 'del', net.bridge], { stdio: 'ignore' });
    rmSync(pre, { recursive: true, force: true });
    throw err;
  });
  // crictl does not wait for a socket: until the restarted berthd listens, the one its predecessor left is
  // refused or gone, so a restart is over only when the CRI answers.
  const restartEngine = daemon.restart;
  daemon.restart = async () => {
    await restartEngine();
    await untilCriAnswers(crictl);
  };
  return {
    name: 'berth',
    root: daemon.root,
    endpoint,
    net,
    daemon,
    crictl,
    async stop() {
      await removeAllPods(crictl).catch(() => undefined);
      const netns = leftNetns(join(daemon.execRoot, 'cri', 'netns'));
      try {
        await daemon.stop();
      } finally {
        // Even when berthd left a mount (a failure of its own), the test's bridge and files go.
        spawnSync('ip', ['link', 'del', net.bridge], { stdio: 'ignore' });
        rmSync(pre, { recursive: true, force: true });
      }
      if (netns.length > 0) throw new Error(`pod netns left by berthd: ${netns.join(', ')}`);
    },
  };
}

function containerdConfig(root: string, net: PodNet, sandboxImage: string, mirror: string | undefined): string {
  const certs = join(root, 'certs.d');
  for (const reg of mirror ? mirroredRegistries : []) {
    mkdirSync(join(certs, reg), { recursive: true });
    writeFileSync(join(certs, reg, 'hosts.toml'), `server = "https://${reg}"\n\n[host."http://${mirror}"]\n  capabilities = ["pull", "resolve"]\n`);
  }
  return `version = 3
root = '${join(root, 'root')}'
state = '${join(root, 'state')}'
[grpc]
  address = '${join(root, 'containerd.sock')}'
[ttrpc]
  address = '${join(root, 'containerd.sock.ttrpc')}'
[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = '${sandboxImage}'
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = '${certs}'
[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  enable_selinux = false
  # These machines withhold CAP_SYS_RESOURCE: the sandbox's oom_score_adj -998 would fail every pod.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ['/usr/lib/cni']
    conf_dir = '${net.confDir}'
    max_conf_num = 1
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = '/usr/sbin/runc'
        SystemdCgroup = false
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'
[plugins.'io.containerd.nri.v1.nri']
  disable = true
`;
}

async function waitForSocket(path: string, child: ChildProcess, ms: number, log: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`containerd exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    if (existsSync(path)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`containerd did not make ${path} within ${ms} ms: ${log()}`);
}

/**
 * A private containerd (the CRI oracle) with its own root, state, socket,
 * config and CNI conf dir; its sandbox image is `sandboxImage` (pulled from a
 * local registry: these machines reach no public one).
 */
export async function startContainerd(options: { sandboxImage: string; mirror?: string }): Promise<CriRuntime & { pid: number }> {
  const root = mkdtempSync('/tmp/berth-containerd-');
  const net = writePodNet(root);
  // containerd's CRI makes its containers' cgroups under /k8s.io; the parents it made go when it stops.
  const cgroupParents = readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c, 'k8s.io')).filter((p) => !existsSync(p));
  writeFileSync(join(root, 'config.toml'), containerdConfig(root, net, options.sandboxImage, options.mirror));
  let log = '';
  const child = spawn(containerdBin, ['--config', join(root, 'config.toml'), '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PATH: `${criBin}:${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    log = (log + s).slice(-16000);
  });
  const socket = join(root, 'containerd.sock');
  const endpoint = `unix://${socket}`;
  const crictl = crictlFor(endpoint);
  const stop = async () => {
    await removeAllPods(crictl).catch(() => undefined);
    const netns = leftNetns(join(root, 'state', 'io.containerd.grpc.v1.cri', 'netns')).concat(leftNetns(join(root, 'state', 'netns')));
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(timer);
    }
    spawnSync('ip', ['link', 'del', net.bridge], { stdio: 'ignore' });
    for (const p of cgroupParents) if (existsSync(p)) spawnSync('rmdir', [p], { stdio: 'ignore' }); // only an empty one goes
    const left = mountsUnder(root);
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`mounts left under ${root} after containerd stopped: ${left.slice(0, 5).join(', ')}`);
    if (netns.length > 0) throw new Error(`pod netns left by containerd: ${netns.join(', ')}`);
  };
  try {
    await waitForSocket(socket, child, 30_000, () => log);
    // The CRI plugin comes up a moment after the socket.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await crictl(['version']);
      if (v.code === 0) break;
      if (Date.now() > deadline) throw new Error(`containerd's CRI did not answer: ${v.stderr} ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { name: 'containerd', root, endpoint, net, crictl, pid: child.pid ?? -1, stop };
}

export type CriBerthd = CriRuntime & { daemon: Daemon };

/**
 * A private CRI berthd (busybox imported) and a scratch dir under `scratchPrefix` for one test file:
 * started in its before hook (a missing peer fails the file, never skips it; `prepare` runs next), stopped
 * and checked for leftovers in its after hook.
 */
export function criBerthdForFile(scratchPrefix: string, prepare?: (rt: CriBerthd, work: string) => Promise<void>): { readonly rt: CriBerthd; readonly work: string } {
  let rt: CriBerthd | undefined;
  let work = '';
  before(async () => {
    const missing = criPeersMissing();
    if (missing) throw new Error(missing);
    rt = await startCriBerthd();
    await ensureBusybox(rt.daemon);
    work = mkdtempSync(scratchPrefix);
    await prepare?.(rt, work);
  });
  after(async () => {
    await rt?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  return {
    get rt(): CriBerthd {
      if (!rt) throw new Error('the CRI berthd of this file did not start');
      return rt;
    },
    get work(): string {
      return work;
    },
  };
}

/**
 * A local registry (the runtimes' mirror of registry.k8s.io and gcr.io) and a scratch dir under
 * `scratchPrefix` for one test file that compares berth with containerd: made in its before hook (a missing
 * peer fails the file, never skips it), removed in its after hook.
 */
export function mirrorForFile(scratchPrefix: string): { readonly registry: Registry; readonly dir: string } {
  let registry: Registry | undefined;
  let dir = '';
  before(async () => {
    const missing = criPeersMissing();
    if (missing) throw new Error(missing);
    registry = await startRegistry();
    dir = mkdtempSync(scratchPrefix);
  });
  after(async () => {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get registry(): Registry {
      if (!registry) throw new Error('the registry of this file did not start');
      return registry;
    },
    get dir(): string {
      return dir;
    },
  };
}

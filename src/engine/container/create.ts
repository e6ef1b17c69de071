// docker create: checks the request as dockerd does, merges the image's
// config, reserves the name, writes the container's hostname, hosts and
// resolv.conf, resolves its mounts and prepares its rootfs with the init
// layer. A failure gives back the name and removes what was made.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { newId } from '../../core/ids.ts';
import type { ContainerSpec } from '../../core/types.ts';
import { defaultCapabilities, tweakCapabilities } from '../../runtime/index.ts';
import { mergeImageConfig } from './config.ts';
import { parseSignal } from './signals.ts';
import { nowNano, zeroTime } from '../time.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { checkCreateFields, checkVolumeDriver, resolvePidMode } from './create-checks.ts';
import { hostsFile, resolvConf } from './etc-files.ts';
import { initLayerOps } from './init-layer.ts';
import { checkLinks } from './links.ts';
import { verifyContainerSettings } from './verify-settings.ts';
import { validateLogConfig } from './log-rotation.ts';
import { networksOf } from './network.ts';
import { readWhole, span, type FsOp } from '../../lib/index.ts';

export async function createContainer(ctx: ContainerContext, requested: ContainerSpec, options: { name?: string; logPath?: string } = {}): Promise<{ id: string; warnings: string[] }> {
  const { d, reg } = ctx;
  const find = (x: string) => reg.find(x);
  // The host's files are read while the request is checked (never rejects).
  const hostEtc = readHostEtc(requested);
  await verifyContainerSettings(requested);
  checkCreateFields(requested);
  validateLogConfig(requested.host.logConfig);
  const spec = withDefaultSwap(resolvePidMode(checkLinks(requested, find), find));
  // Unknown capabilities are refused at create (InvalidArgument), as docker does, not at start.
  tweakCapabilities(defaultCapabilities, spec.host.capAdd, spec.host.capDrop);
  if (spec.stopSignal) parseSignal(spec.stopSignal);
  const image = await span('create: resolve image', undefined, () => d.images.resolve(spec.image));
  const merged = mergeImageConfig(spec, image.config.config);
  checkVolumeDriver(merged.spec);
  // docker refuses a container on a network that does not exist (NotFound `network x not found`).
  for (const n of networksOf(spec)) d.network?.get(n);
  const id = newId();
  const name = reg.reserveName(id, options.name);
  const warnings: string[] = [];
  try {
    const dir = ctx.containerDir(id);
    // docker: a host-network container takes the host's name unless given one.
    const hostname = spec.hostname || (spec.host.networkMode === 'host' ? osHostname() : id.slice(0, 12));
    const files = {
      hostnamePath: join(dir, 'hostname'),
      hostsPath: join(dir, 'hosts'),
      resolvConfPath: join(dir, 'resolv.conf'),
      // A front door may place the log (the CRI's log_path); its directory is made here.
      logPath: options.logPath ?? join(dir, `${id}-json.log`),
    };
    const at = { container: id.slice(0, 12) };
    const lowerChain = ctx.lowerChain(image);
    // The container's own directory and files, and its rootfs's directories with the init layer, do not
    // touch each other: side by side. Both trees may come as spares made ahead (lib/spare-dirs.ts), a rename
    // each instead of some twenty entries made while the client waits; the etc files are written into the
    // directory's empty ones in the same trip to the thread pool as its rename.
    const settled = await Promise.allSettled([
      span('create: write etc files', at, async () => {
        const etc = etcFiles(hostname, merged.spec, await hostEtc);
        await ctx.spares.container.make(dir, 'container', containerTree, [
          ...(options.logPath !== undefined ? [{ op: 'mkdir', path: dirname(options.logPath), mode: 0o755, parents: true } as const] : []),
          { op: 'write', path: files.hostnamePath, data: etc.hostname, mode: 0o666 },
          { op: 'write', path: files.hostsPath, data: etc.hosts, mode: 0o666 },
          { op: 'write', path: files.resolvConfPath, data: etc.resolvConf, mode: 0o666 },
        ]);
      }),
      span('create: prepare rootfs + init layer', at, () => d.snapshotter.prepareRootfs(id, lowerChain, { upperEntries: initLayerOps(), spares: ctx.spares.rootfs })),
    ]);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const mountPoints = await span('create: resolve mounts', at, () => d.mounts.resolve(merged.spec, find, id));
    const c: StoredContainer = {
      id,
      name,
      created: nowNano(),
      imageId: image.id,
      spec: merged.spec,
      path: merged.path,
      args: merged.args,
      env: merged.spec.env,
      hostname,
      state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: zeroTime, finishedAt: zeroTime },
      restartCount: 0,
      runtime: spec.host.runtime || d.runtime.binary.name,
      ...files,
      lowerChain,
      mountPoints,
    };
    if (spec.host.runtime && spec.host.runtime !== d.runtime.binary.name) await d.runtimeFor(spec.host.runtime);
    reg.save(c);
    d.log.info('container created', { container: id, name, image: image.id });
    return { id, warnings };
  } catch (err) {
    reg.releaseName(name);
    await d.snapshotter.removeRootfs(id).catch(() => undefined);
    await d.mounts.dropImages(id).catch((e: unknown) => d.log.warn('removing the image views of a failed create failed', { container: id, err: e }));
    await rm(ctx.containerDir(id), { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

/** A container's directory as a create finds it: its etc files there, empty (the create writes them). */
function containerTree(root: string): FsOp[] {
  return [
    { op: 'mkdir', path: root, mode: 0o710, parents: true },
    ...['hostname', 'hosts', 'resolv.conf'].map((name): FsOp => ({ op: 'write', path: join(root, name), data: '', mode: 0o666 })),
  ];
}

/** What the host's files give a container's etc files: /etc/resolv.conf, and /etc/hosts for a host-network one. */
interface HostEtc {
  resolvConf: string;
  hosts?: Buffer;
}

/** The host's files that a container's etc files come from, read while the create checks its request. */
async function readHostEtc(spec: ContainerSpec): Promise<HostEtc> {
  const bytes = (path: string) => readWhole(path).then((r) => r.data, () => undefined);
  const [resolv, hosts] = await Promise.all([bytes('/etc/resolv.conf'), spec.host.networkMode === 'host' ? bytes('/etc/hosts') : undefined]);
  return { resolvConf: resolv?.toString('utf8') ?? '', ...(hosts !== undefined ? { hosts } : {}) };
}

/** The container's hostname, hosts and resolv.conf files (a host-network one: the host's hosts and, without --dns, resolv.conf). */
function etcFiles(hostname: string, spec: ContainerSpec, host: HostEtc): { hostname: string; hosts: string | Buffer; resolvConf: string } {
  const hostNet = spec.host.networkMode === 'host';
  const hosts = hostNet ? (host.hosts ?? hostsFile({ hostname, extraHosts: spec.host.extraHosts })) : hostsFile({ hostname, ...(spec.domainname ? { domainname: spec.domainname } : {}), extraHosts: spec.host.extraHosts });
  const resolv = hostNet && spec.host.dns.length === 0 ? host.resolvConf : resolvConf(host.resolvConf, spec.host);
  return { hostname: `${hostname}\n`, hosts, resolvConf: resolv };
}

/**
 * dockerd's adaptContainerSettings after the checks: a memory limit without a
 * swap limit gets twice the memory as its swap limit, recorded in the
 * container's HostConfig (inspect shows it; update compares with it).
 */
function withDefaultSwap(spec: ContainerSpec): ContainerSpec {
  const h = spec.host;
  return h.memory > 0 && h.memorySwap === 0 ? { ...spec, host: { ...h, memorySwap: h.memory * 2 } } : spec;
}

// Invokes CNI plugins the way the CNI spec says: the plugin binary from the
// plugin dir, CNI_COMMAND/CNI_CONTAINERID/CNI_NETNS/CNI_IFNAME/CNI_PATH in its
// environment, the network configuration as JSON on stdin, the result (or a CNI
// error object) as JSON on stdout. A config list is run plugin by plugin: ADD in
// order with each result as the next plugin's prevResult, DEL in reverse.
import { join } from 'node:path';
import { internal } from '../core/errors.ts';
import { span } from '../lib/index.ts';
import { runCaptured } from '../lib/spawn-light.ts';

export const defaultCniPath = '/usr/lib/cni';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

/** One plugin's entry in a config list. */
export type CniPluginConf = Record<string, unknown> & { readonly type: string; readonly capabilities?: Readonly<Record<string, boolean>> };

export interface CniConfList {
  readonly cniVersion: string;
  readonly name: string;
  readonly plugins: readonly CniPluginConf[];
}

export interface CniInvocation {
  readonly containerId: string;
  /** Path of the network namespace (bind mount). */
  readonly netns: string;
  readonly ifname: string;
  /** Capability arguments (portMappings, …), passed to plugins that declare the capability. */
  readonly runtimeConfig?: Readonly<Record<string, unknown>>;
}

/** What berth reads from a CNI 1.0 result. */
export interface CniResult {
  readonly cniVersion?: string;
  readonly interfaces?: readonly { name: string; mac?: string; sandbox?: string }[];
  readonly ips?: readonly { interface?: number; address: string; gateway?: string }[];
  readonly routes?: readonly unknown[];
  readonly dns?: unknown;
}

/** Runs one plugin binary; resolves with its parsed stdout, rejects with its CNI error message. */
export function execPlugin(type: string, command: CniCommand, inv: CniInvocation, conf: Record<string, unknown>, cniPath = defaultCniPath): Promise<unknown> {
  const env = {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifname,
    CNI_PATH: cniPath,
  };
  return span(`cni ${type} ${command}`, { container: inv.containerId.slice(0, 12), argv: inv.ifname }, async () => {
    let r;
    try {
      r = await runCaptured(join(cniPath, type), [], { env, input: JSON.stringify(conf) });
    } catch (e) {
      throw internal(`CNI plugin ${type} could not be run: ${(e as Error).message}`, e);
    }
    const text = r.stdout.toString().trim();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (r.code === 0) return parsed ?? {};
    const o = (parsed ?? {}) as { msg?: unknown; details?: unknown };
    const msg = typeof o.msg === 'string' ? o.msg + (typeof o.details === 'string' && o.details !== '' ? `: ${o.details}` : '') : text || r.stderr.toString().trim() || `exit status ${r.code ?? r.signal}`;
    throw internal(`plugin type="${type}" failed (${command.toLowerCase()}): ${msg}`);
  });
}

function pluginConf(list: CniConfList, plugin: CniPluginConf, inv: CniInvocation, prevResult: unknown): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const caps = plugin.capabilities ?? {};
  const rc: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inv.runtimeConfig ?? {})) if (caps[k]) rc[k] = v;
  if (Object.keys(rc).length > 0) conf['runtimeConfig'] = rc;
  if (prevResult !== undefined) conf['prevResult'] = prevResult;
  return conf;
}

/** ADD through the list; on a failure the plugins already added are deleted again. */
export async function addNetworkList(list: CniConfList, inv: CniInvocation, cniPath = defaultCniPath): Promise<CniResult> {
  let prev: unknown;
  const done: CniPluginConf[] = [];
  try {
    for (const plugin of list.plugins) {
      prev = await execPlugin(plugin.type, 'ADD', inv, pluginConf(list, plugin, inv, prev), cniPath);
      done.push(plugin);
    }
  } catch (err) {
    for (const plugin of done.reverse()) await execPlugin(plugin.type, 'DEL', inv, pluginConf(list, plugin, inv, prev), cniPath).catch(() => undefined);
    throw err;
  }
  return (prev ?? {}) as CniResult;
}

/** DEL through the list in reverse; every plugin is tried, the first failure is thrown at the end. */
export async function delNetworkList(list: CniConfList, inv: CniInvocation, prevResult: unknown, cniPath = defaultCniPath): Promise<void> {
  let first: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    await execPlugin(plugin.type, 'DEL', inv, pluginConf(list, plugin, inv, prevResult), cniPath).catch((err: unknown) => {
      first ??= err;
    });
  }
  if (first !== undefined) throw first;
}

// The host side of bridge networks: the Linux bridge device with its gateway
// address, the network's one outbound NAT rule (masquerade.ts), and whether
// the host's FORWARD chain drops (then the CNI firewall plugin is needed).
import { access } from 'node:fs/promises';
import type { KeyedMutex } from '../lib/keyed-mutex.ts';
import { runTool } from '../lib/run-tool.ts';
import { randomBridgeMac } from './bridge-mac.ts';
import { cniName } from './cni-config.ts';
import { ensureMasquerade, removeMasquerade } from './masquerade.ts';
import type { NetworkRecord } from './types.ts';

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

export class HostBridges {
  readonly #lock: KeyedMutex;
  /** Networks whose MASQUERADE rule this berthd made or found (masquerade.ts). */
  readonly #masq = new Set<string>();
  #forwardDrops: { value: Promise<boolean>; at: number } | undefined;

  constructor(lock: KeyedMutex) {
    this.#lock = lock;
  }

  /** Creates the bridge with its gateway address (the bridge and its route exist from `network create` on, as with docker). */
  async ensureBridge(n: NetworkRecord): Promise<void> {
    await this.#lock.run(`bridge:${n.id}`, async () => {
      if (!n.bridge || !n.subnet || !n.gateway) return;
      if (!(await exists(`/sys/class/net/${n.bridge}`))) {
        // An address of its own, or the bridge's MAC changes with its ports (bridge-mac.ts).
        await runTool('ip', ['link', 'add', 'name', n.bridge, 'address', randomBridgeMac(), 'type', 'bridge']);
        await runTool('ip', ['addr', 'add', `${n.gateway}/${n.subnet.split('/')[1]}`, 'dev', n.bridge]);
        await runTool('ip', ['link', 'set', n.bridge, 'up']);
      }
    });
  }

  /** Deletes the bridge device if it exists. */
  async deleteBridge(n: NetworkRecord): Promise<void> {
    if (n.bridge && (await exists(`/sys/class/net/${n.bridge}`))) await runTool('ip', ['link', 'del', n.bridge]);
  }

  /** Outbound NAT for a non-internal bridge network, once per berthd lifetime. */
  async ensureMasquerade(n: NetworkRecord): Promise<void> {
    if (n.internal || !n.subnet || !n.bridge || this.#masq.has(n.id)) return;
    await this.#lock.run(`masq:${n.id}`, async () => {
      if (this.#masq.has(n.id)) return;
      await ensureMasquerade(n.subnet!, n.bridge!, cniName(n));
      this.#masq.add(n.id);
    });
  }

  async dropMasquerade(n: NetworkRecord): Promise<void> {
    this.#masq.delete(n.id);
    if (n.subnet && n.bridge) await removeMasquerade(n.subnet, n.bridge, cniName(n));
  }

  /** Ids of the networks whose NAT rule this berthd answers for. */
  masqueraded(): string[] {
    return [...this.#masq];
  }

  /**
   * Whether the host's FORWARD chain drops by default (as after dockerd with
   * iptables started): then the CNI firewall plugin must let the container's
   * traffic through. Checked at most every 10 s; attach starts the check early
   * (it runs while the netns is made) and concurrent callers share one.
   */
  forwardPolicyDrops(): Promise<boolean> {
    const now = Date.now();
    if (this.#forwardDrops && now - this.#forwardDrops.at < 10_000) return this.#forwardDrops.value;
    // The first line of `-S FORWARD` is the chain's policy.
    const value = runTool('iptables', ['-w', '-S', 'FORWARD']).then(
      (text) => /^-P FORWARD DROP/m.test(text),
      () => false,
    );
    this.#forwardDrops = { value, at: now };
    return value;
  }
}

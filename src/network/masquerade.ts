// Outbound NAT of a bridge network: one MASQUERADE rule per network, as dockerd
// has one per bridge (`-s <subnet> ! -o <bridge> -j MASQUERADE`), instead of the
// CNI bridge plugin's ipMasq, which makes and deletes a chain and three rules
// for every container (about 90 ms of iptables calls per `run --rm`). The rule
// is made when the first container of the network attaches and removed with
// the network, or when berthd shuts down with no container on it (or, after a
// kill -9, when the next berthd starts); its comment names the network's CNI
// name, so rules of a network are found by it.
import { runTool } from '../lib/run-tool.ts';

/** The rule's match and target, after `-t nat -[ACD] POSTROUTING`. */
export function masqueradeRule(subnet: string, bridge: string, tag: string): string[] {
  return ['-s', subnet, '!', '-o', bridge, '!', '-d', '224.0.0.0/4', '-m', 'comment', '--comment', `berth masquerade ${tag}`, '-j', 'MASQUERADE'];
}

async function iptables(op: '-C' | '-A' | '-D', rule: readonly string[]): Promise<boolean> {
  return runTool('iptables', ['-w', '-t', 'nat', op, 'POSTROUTING', ...rule]).then(
    () => true,
    () => false,
  );
}

/** Adds the rule unless it is there. */
export async function ensureMasquerade(subnet: string, bridge: string, tag: string): Promise<void> {
  const rule = masqueradeRule(subnet, bridge, tag);
  if (await iptables('-C', rule)) return;
  await runTool('iptables', ['-w', '-t', 'nat', '-A', 'POSTROUTING', ...rule]);
}

/** Deletes every copy of the rule; none is not an error. */
export async function removeMasquerade(subnet: string, bridge: string, tag: string): Promise<void> {
  const rule = masqueradeRule(subnet, bridge, tag);
  for (let i = 0; i < 16 && (await iptables('-D', rule)); i++);
}

/** The tags of berth's MASQUERADE rules in `iptables -t nat -S POSTROUTING` output. */
export function parseMasqueradeTags(rules: string): Set<string> {
  return new Set([...rules.matchAll(/--comment "?berth masquerade ([^"\s]+)"? -j MASQUERADE$/gm)].map((m) => m[1]!));
}

/** The tags (network CNI names) of berth's MASQUERADE rules in the host's nat POSTROUTING, with one iptables call. */
export async function masqueradeTags(): Promise<Set<string>> {
  return parseMasqueradeTags(await runTool('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING']));
}

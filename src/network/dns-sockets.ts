// Docker's 127.0.0.11 inside a container's network namespace. Containers on
// user-defined networks get `nameserver 127.0.0.11` (embeddedResolvConf), and
// berthd answers there from a UDP and a TCP socket it makes inside the
// container's netns (berth's addon joins the netns on the calling thread, makes
// and binds the sockets, and comes back — as dockerd does), then serves in its
// own process. A socket stays in the namespace it was made in, so no NAT rule
// and no route_localnet is needed: route_localnet stays 0, and neighbours on
// the bridge cannot reach what a container bound to 127.0.0.1
// (CVE-2020-8558; docs/security.md). The sockets go when berthd closes them
// (detach) or exits; nothing is on the host.
import { loadNative } from '../lib/native.ts';
import { runTool } from '../lib/run-tool.ts';

export const embeddedDnsAddress = '127.0.0.11';

/** Bound UDP and listening TCP sockets on 127.0.0.11:53 inside the netns bound at `netnsPath`. */
export function openDnsSockets(netnsPath: string): { udpFd: number; tcpFd: number } {
  return loadNative().socketsInNetns(netnsPath, embeddedDnsAddress, 53);
}

/**
 * Undoes what berth before issue 13 did in a container's netns — NAT rules
 * sending 127.0.0.11:53 to the network's gateway and route_localnet on — for
 * containers that outlived that berthd. Only berth's own chains are touched.
 */
export async function clearLegacyRedirect(netnsPath: string): Promise<void> {
  const script = [
    'if iptables -w -t nat -S BERTH_DNS_OUTPUT >/dev/null 2>&1; then',
    "  iptables -w -t nat -S | grep -e '-j BERTH_DNS_' | sed 's/^-A /-D /' | while read -r rule; do eval \"iptables -w -t nat $rule\"; done",
    '  for c in BERTH_DNS_OUTPUT BERTH_DNS_POSTROUTING; do iptables -w -t nat -F $c; iptables -w -t nat -X $c; done',
    'fi',
    'echo 0 > /proc/sys/net/ipv4/conf/all/route_localnet',
  ].join('\n');
  await runTool('nsenter', [`--net=${netnsPath}`, '--', 'sh', '-ec', script]);
}

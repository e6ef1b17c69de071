// Docker's 127.0.0.11 inside a container's network namespace. Containers on
// user-defined networks get `nameserver 127.0.0.11` (embeddedResolvConf); NAT
// rules in the container's own netns send what goes to 127.0.0.11:53 (UDP and
// TCP) to the network's embedded DNS server on the gateway address, and
// masquerade the loopback source as the container's address, so the server sees
// (and answers according to) the asking container. The kernel only routes a
// loopback-sourced packet out of eth0, and accepts the de-NATed reply to
// 127.0.0.1, with route_localnet on. Rules and sysctl live in the netns and die
// with it: nothing is left on the host after `rm`.
import { runTool } from '../lib/run-tool.ts';

export const embeddedDnsAddress = '127.0.0.11';

/** The iptables-restore input that redirects 127.0.0.11:53 to `server`:53. */
export function dnsRedirectRules(server: string): string {
  return [
    '*nat',
    ':BERTH_DNS_OUTPUT - [0:0]',
    ':BERTH_DNS_POSTROUTING - [0:0]',
    `-A OUTPUT -d ${embeddedDnsAddress}/32 -j BERTH_DNS_OUTPUT`,
    `-A POSTROUTING -s 127.0.0.0/8 -d ${server}/32 -j BERTH_DNS_POSTROUTING`,
    `-A BERTH_DNS_OUTPUT -p udp -m udp --dport 53 -j DNAT --to-destination ${server}:53`,
    `-A BERTH_DNS_OUTPUT -p tcp -m tcp --dport 53 -j DNAT --to-destination ${server}:53`,
    '-A BERTH_DNS_POSTROUTING -p udp -m udp --dport 53 -j MASQUERADE',
    '-A BERTH_DNS_POSTROUTING -p tcp -m tcp --dport 53 -j MASQUERADE',
    'COMMIT',
    '',
  ].join('\n');
}

/** Installs (or replaces) the redirect in the netns bound at `netnsPath`. */
export async function redirectEmbeddedDns(netnsPath: string, server: string): Promise<void> {
  // One process in the netns: /proc/sys/net is the netns of whoever opens it.
  // The rules' own chains are flushed by iptables-restore (--noflush keeps the rest).
  await runTool('nsenter', [`--net=${netnsPath}`, '--', 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec iptables-restore -w --noflush'], {
    input: dnsRedirectRules(server),
  });
}

// cli: the `network` command group (create, ls, inspect, rm, connect,
// disconnect, prune) and `port`, with docker's flags and aliases; bodies load
// lazily from commands/network.ts.
import type { Command } from 'commander';
import type { Sub } from './berth-command.ts';
import { formatHelp, inspectFormatHelp } from './format-help.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const n = () => import('./commands/network.ts');

export function addNetworkCommands(program: Command, sub: Sub): void {
  const network = sub(program, 'network', '', 'Manage networks');
  describeFlags(sub(network, 'create', '[OPTIONS] NETWORK', 'Create a network')
    .option('-d, --driver <string>', 'Driver to manage the Network', 'bridge')
    .option('--subnet <strings>', 'Subnet in CIDR format that represents a network segment', collect)
    .option('--gateway <strings>', 'IPv4 or IPv6 Gateway for the master subnet', collect)
    .option('--internal', 'Restrict external access to the network')
    .option('--attachable', 'Enable manual container attachment')
    .option('--label <list>', 'Set metadata on a network', collect)
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .option('--aux-address <map>', 'Auxiliary IPv4 or IPv6 addresses used by Network driver', collect)
    .option('--config-from <string>', 'The network from which to copy the configuration')
    .option('--config-only', 'Create a configuration only network')
    .option('--ingress', 'Create swarm routing-mesh network')
    .option('--ip-range <strings>', 'Allocate container ip from a sub-range', collect)
    .option('--ipam-driver <string>', 'IP Address Management Driver', 'default')
    .option('--ipam-opt <map>', 'Set IPAM driver specific options', collect)
    .option('--ipv4 [bool]', 'Enable or disable IPv4 address assignment')
    .option('--ipv6 [bool]', 'Enable or disable IPv6 address assignment')
    .option('--scope <string>', "Control the network's scope")
    .argument('<network>')
    .action(async (name: string, o) => (await n()).networkCreateCommand(name, o)), {
    'aux-address': 'map[]', 'ipam-opt': 'map[]', opt: 'map[]', ipv4: 'true', attachable: { needs: { version: '1.25' } },
    'config-from': { needs: { version: '1.30' } }, 'config-only': { needs: { version: '1.30' } }, ingress: { needs: { version: '1.29' } },
    scope: { needs: { version: '1.30' } },
  });
  sub(network, 'ls', '[OPTIONS]', 'List networks', ['list'])
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")', collect)
    .option('--format <string>', formatHelp)
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs')
    .action(async (o) => (await n()).networkLsCommand(o));
  sub(network, 'inspect', '[OPTIONS] NETWORK [NETWORK...]', 'Display detailed information on one or more networks')
    .option('-f, --format <string>', inspectFormatHelp)
    .option('-v, --verbose', 'Verbose output for diagnostics')
    .argument('<networks...>')
    .action(async (names: string[], o) => (await n()).networkInspectCommand(names, o));
  sub(network, 'rm', 'NETWORK [NETWORK...]', 'Remove one or more networks', ['remove'])
    .option('-f, --force', 'Do not error if the network does not exist')
    .argument('<networks...>')
    .action(async (names: string[], o) => (await n()).networkRmCommand(names, o));
  sub(network, 'connect', '[OPTIONS] NETWORK CONTAINER', 'Connect a container to a network')
    .option('--alias <strings>', 'Add network-scoped alias for the container', collect)
    .option('--ip <string>', 'IPv4 address (e.g., "172.30.100.104")')
    .option('--driver-opt <strings>', 'driver options for the network', collect)
    .option('--gw-priority <int>', 'Highest gw-priority provides the default gateway. Accepts positive and negative values.')
    .option('--ip6 <string>', 'IPv6 address (e.g., "2001:db8::33")')
    .option('--link <list>', 'Add link to another container', collect)
    .option('--link-local-ip <strings>', 'Add a link-local address for the container', collect)
    .argument('<network>')
    .argument('<container>')
    .action(async (net: string, c: string, o) => (await n()).networkConnectCommand(net, c, o));
  sub(network, 'disconnect', '[OPTIONS] NETWORK CONTAINER', 'Disconnect a container from a network')
    .option('-f, --force', 'Force the container to disconnect from a network')
    .argument('<network>')
    .argument('<container>')
    .action(async (net: string, c: string, o) => (await n()).networkDisconnectCommand(net, c, o));
  sub(network, 'prune', '[OPTIONS]', 'Remove all unused networks', [], { needs: { version: '1.25' } })
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (o) => (await n()).networkPruneCommand(o));
}

/** `port` at the top level and as `container port`. */
export function addPortCommand(parent: Command, sub: Sub): void {
  sub(parent, 'port', 'CONTAINER [PRIVATE_PORT[/PROTO]]', 'List port mappings or a specific mapping for the container', [], { aliases: ['container port', 'port'] })
    .argument('<container>')
    .argument('[port]')
    .action(async (c: string, p: string | undefined) => (await n()).portCommand(c, p));
}

// IPv6 networks with docker-py (the calls of docker-py's own network tests):
// an IPv6 pool kept and shown as given, with and without EnableIPv6, and a
// fixed IPv6 address on create and on connect — assigned only with EnableIPv6.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const ipv6 = `
from docker.types import IPAMConfig, IPAMPool
c = api()
r = {}
keys = ('IPAMConfig', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'IPv6Gateway')
def ep(ct, net):
    e = c.inspect_container(ct)['NetworkSettings']['Networks'][net]
    return {k: e[k] for k in keys}
# A pool alone: the IPv4 subnet is allocated, the IPv6 one shown but not used.
c.create_network('v6-off', ipam=IPAMConfig(driver='default', pool_configs=[IPAMPool(subnet='2001:389::1/64')]))
n = c.inspect_network('v6-off')
r['off'] = {'EnableIPv6': n['EnableIPv6'], 'Config': n['IPAM']['Config']}
ct = c.create_container('busybox', 'top', host_config=c.create_host_config(network_mode='v6-off'),
                        networking_config=c.create_networking_config({'v6-off': c.create_endpoint_config(ipv6_address='2001:389::f00d')}))
c.start(ct)
r['off endpoint'] = ep(ct, 'v6-off')
pool = IPAMPool(subnet='2001:390::1/64', iprange='2001:390::0/96', gateway='2001:390::ffff')
c.create_network('v6-on', enable_ipv6=True, ipam=IPAMConfig(driver='default', pool_configs=[pool]))
n = c.inspect_network('v6-on')
r['on'] = {'EnableIPv6': n['EnableIPv6'], 'Config': n['IPAM']['Config']}
ct2 = c.create_container('busybox', 'top', host_config=c.create_host_config(network_mode='v6-on'),
                         networking_config=c.create_networking_config({'v6-on': c.create_endpoint_config(ipv6_address='2001:390::f00d')}))
c.start(ct2)
r['on endpoint'] = ep(ct2, 'v6-on')
r['on network lists it'] = [x['IPv6Address'] for x in c.inspect_network('v6-on')['Containers'].values()]
c.disconnect_container_from_network(ct2, 'v6-on')
c.connect_container_to_network(ct2, 'v6-on', ipv6_address='2001:390::beef')
r['reconnected'] = ep(ct2, 'v6-on')
r['outside the pool'] = outcome(lambda: c.connect_container_to_network(c.create_container('busybox', 'top')['Id'], 'v6-on', ipv6_address='2001:999::1'))
out(r)
`;

sameOnBoth('docker-py pypi: IPv6 pools with and without EnableIPv6, fixed IPv6 addresses on create and connect', (t) => dockerPy(t, ipv6, { flavor: 'pypi' }));

// Network scenarios with docker-py (Debian's 5.0.3 and the newest from PyPI),
// the calls docker-py's own integration tests make: names dockerd takes as
// they are, a second network of a taken name without CheckDuplicate, IPAM
// pools with an IP range and auxiliary addresses, and endpoint settings
// (Links, LinkLocalIPs, DriverOpts, a MAC address) kept, shown and — for links
// on a user network — resolved by the embedded DNS.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const names = `
c = api()
r = {}
first = c.create_network('test 01')
r['create with a space'] = first['Warning']
r['inspect by that name'] = c.inspect_network('test 01')['Name']
r['taken, CheckDuplicate'] = outcome(lambda: c.create_network('test 01', check_duplicate=True))
second = c.create_network('test 01', check_duplicate=False)
r['taken, no CheckDuplicate'] = second['Warning']
r['listed'] = sorted(n['Name'] for n in c.networks(names=['test 01']))
r['remove by an ambiguous name'] = outcome(lambda: c.remove_network('test 01'))
c.remove_network(first['Id'])
r['remove the other by name'] = outcome(lambda: c.remove_network('test 01'))
r['gone'] = outcome(lambda: c.inspect_network('test 01'))
out(r)
`;

const ipam = `
from docker.types import IPAMConfig, IPAMPool
c = api()
r = {}
pool = IPAMPool(subnet='172.29.0.0/16', iprange='172.29.5.0/24', gateway='172.29.5.254', aux_addresses={'a': '172.29.1.5', 'b': '172.29.1.6'})
net = c.create_network('cov-ipam', ipam=IPAMConfig(driver='default', pool_configs=[pool]))
info = c.inspect_network(net['Id'])['IPAM']
r['IPAM'] = info
r['Config exactly'] = info['Config'] == [{'Subnet': '172.29.0.0/16', 'IPRange': '172.29.5.0/24', 'Gateway': '172.29.5.254', 'AuxiliaryAddresses': {'a': '172.29.1.5', 'b': '172.29.1.6'}}]
ct = c.create_container('busybox', 'top', host_config=c.create_host_config(network_mode='cov-ipam'))
c.start(ct)
ep = c.inspect_container(ct)['NetworkSettings']['Networks']['cov-ipam']
r['address from the range'] = ep['IPAddress'].startswith('172.29.5.')
r['gateway'] = ep['Gateway'] == '172.29.5.254'
# dockerd 20.10 takes a range outside the subnet, shows it, and allocates from the subnet.
odd = c.create_network('cov-odd', ipam=IPAMConfig(pool_configs=[IPAMPool(subnet='172.30.0.0/16', iprange='10.9.0.0/24')]))
r['range outside the subnet'] = c.inspect_network(odd['Id'])['IPAM']['Config']
ct2 = c.create_container('busybox', 'top', host_config=c.create_host_config(network_mode='cov-odd'))
c.start(ct2)
r['address from the subnet'] = c.inspect_container(ct2)['NetworkSettings']['Networks']['cov-odd']['IPAddress'].startswith('172.30.')
only = c.create_network('cov-only', ipam=IPAMConfig(pool_configs=[IPAMPool(subnet='172.31.0.0/16')]))
r['a subnet without a gateway'] = c.inspect_network(only['Id'])['IPAM']['Config']
r['an allocated subnet'] = sorted(c.inspect_network(c.create_network('cov-auto')['Id'])['IPAM']['Config'][0])
out(r)
`;

const endpoints = `
c = api()
r = {}
c.create_network('cov-ep')
keys = ('IPAMConfig', 'Links', 'DriverOpts', 'MacAddress', 'Aliases')
def ep(ct, net='cov-ep'):
    e = c.inspect_container(ct)['NetworkSettings']['Networks'][net]
    return {k: e[k] for k in keys if k in e}
cfg = c.create_endpoint_config(links=[('cov-up', 'bar')], link_local_ips=['169.254.8.8'], driver_opt={'com.docker-py.setting': 'on'})
ct = c.create_container('busybox', 'top', host_config=c.create_host_config(network_mode='cov-ep'),
                        networking_config=c.create_networking_config({'cov-ep': cfg}))
r['created'] = ep(ct)
c.start(ct)
r['running'] = ep(ct)
up = c.create_container('busybox', 'top', name='cov-up', host_config=c.create_host_config(network_mode='cov-ep'))
c.start(up)
def run(ct, cmd):
    e = c.exec_create(ct, cmd)
    c.exec_start(e['Id'])
    return c.exec_inspect(e['Id'])['ExitCode']
r['link alias resolves for the linker'] = run(ct, ['nslookup', 'bar'])
r['link alias does not resolve for others'] = run(up, ['nslookup', 'bar']) != 0
later = c.create_container('busybox', 'top')
c.connect_container_to_network(later, 'cov-ep', mac_address='02:42:ac:11:00:02', links=[('cov-up', 'baz')])
r['connected, not started'] = ep(later)
c.start(later)
r['connected link resolves'] = run(later, ['nslookup', 'baz'])
out(r)
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: network names with spaces, and a second network of a taken name without CheckDuplicate`, (t) => dockerPy(t, names, { flavor }));
}
sameOnBoth('docker-py pypi: an IPAM pool with an IP range and auxiliary addresses is kept, shown and used', (t) => dockerPy(t, ipam, { flavor: 'pypi' }));
sameOnBoth('docker-py pypi: endpoint Links, LinkLocalIPs, DriverOpts and MAC are shown; a link alias resolves for the linking container', (t) => dockerPy(t, endpoints, { flavor: 'pypi' }));

// berth's networks → Docker's wire shape (`GET /networks`, `GET /networks/{id}`).
import type { NetworkInfo } from '../engine/index.ts';
import { versionLess } from './version.ts';

export function networkJson(info: NetworkInfo, options: { containers: boolean; version: string }) {
  const n = info.network;
  const containers: Record<string, unknown> = {};
  for (const e of info.endpoints) {
    containers[e.containerId] = {
      Name: e.name,
      EndpointID: e.endpoint.endpointId,
      MacAddress: e.endpoint.macAddress,
      IPv4Address: e.endpoint.ipAddress ? `${e.endpoint.ipAddress}/${e.endpoint.prefixLen}` : '',
      IPv6Address: e.endpoint.ipv6 ? `${e.endpoint.ipv6.address}/${e.endpoint.ipv6.prefixLen}` : '',
    };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    // API 1.47 (Docker 28) added EnableIPv4; older engines do not show it.
    ...(versionLess(options.version, '1.47') ? {} : { EnableIPv4: true }),
    EnableIPv6: n.enableIpv6 === true,
    IPAM: {
      Driver: 'default',
      Options: n.ipamOptions ? { ...n.ipamOptions } : null,
      Config: n.subnet
        ? [
          { Subnet: n.subnet, ...(n.ipRange ? { IPRange: n.ipRange } : {}), ...(n.gatewayImplied ? {} : { Gateway: n.gateway }), ...(n.auxAddresses ? { AuxiliaryAddresses: { ...n.auxAddresses } } : {}) },
          // The IPv6 pool as it was given.
          ...(n.ipv6 ? [{ Subnet: n.ipv6.subnet, ...(n.ipv6.ipRange ? { IPRange: n.ipv6.ipRange } : {}), ...(n.ipv6.gateway ? { Gateway: n.ipv6.gateway } : {}) }] : []),
        ]
        : n.driver === 'bridge' ? [] : null,
    },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    ...(options.containers ? { Containers: containers } : { Containers: {} }),
    Options: n.options,
    Labels: n.labels,
  };
}

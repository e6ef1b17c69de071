// The network module's shapes: a network as berth keeps it, and what the
// engine asks for when it attaches a container.
import type { EndpointSpec, NetworkState } from '../core/types.ts';

export interface NetworkRecord {
  readonly id: string;
  readonly name: string;
  readonly created: string;
  /** `bridge` for CNI bridge networks; `host` and `null` for the built-in ones. */
  readonly driver: 'bridge' | 'host' | 'null';
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly options: Readonly<Record<string, string>>;
  /** IPv4 CIDR and gateway (bridge networks). */
  readonly subnet?: string;
  readonly gateway?: string;
  /** IPAM IPRange (containers' addresses come from it) and AuxiliaryAddresses (kept and shown). */
  readonly ipRange?: string;
  readonly auxAddresses?: Readonly<Record<string, string>>;
  /** EnableIPv6, and the IPv6 pool as given (shown in IPAM.Config; used with EnableIPv6). */
  readonly enableIpv6?: boolean;
  readonly ipv6?: Ipv6Pool;
  /** A subnet given without a gateway: dockerd's IPAM.Config then shows no Gateway. */
  readonly gatewayImplied?: boolean;
  /** IPAM.Options as given at create (berth's IPAM takes none; shown as given, as dockerd does); absent: null. */
  readonly ipamOptions?: Readonly<Record<string, string>>;
  /** The Linux bridge device (bridge networks). */
  readonly bridge?: string;
  /** The default bridge: no embedded DNS, no aliases. */
  readonly isDefault?: boolean;
}

export interface CreateNetworkOptions {
  readonly name: string;
  readonly driver?: string;
  readonly subnet?: string;
  readonly gateway?: string;
  readonly ipRange?: string;
  readonly auxAddresses?: Readonly<Record<string, string>>;
  readonly ipamOptions?: Readonly<Record<string, string>>;
  /** CheckDuplicate: refuse a name already taken (dockerd, without it, creates a second network of that name). */
  readonly checkDuplicate?: boolean;
  readonly enableIpv6?: boolean;
  readonly ipv6?: Ipv6Pool;
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
}

export interface Ipv6Pool {
  readonly subnet: string;
  readonly gateway?: string;
  readonly ipRange?: string;
}

/** A port to publish, resolved to a concrete host port. */
export interface PortMapping {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

export interface AttachRequest {
  readonly containerId: string;
  readonly containerName: string;
  readonly hostname: string;
  /** Networks in attach order (the first gets eth0 and the published ports). */
  readonly networks: readonly { readonly network: string; readonly spec: EndpointSpec }[];
  /** `80/tcp` → requested bindings (hostPort '' = ephemeral). */
  readonly portBindings: Readonly<Record<string, readonly { hostIp: string; hostPort: string }[]>>;
  /** --dns servers: the embedded DNS of user networks relays the container's other names there. */
  readonly dns?: readonly string[];
}

/** An attachment whose netns exists and whose interfaces connect() sets up (CniNetworkManager.prepare). */
export interface PreparedAttachment {
  /** Sandbox key and published ports; no endpoints yet. */
  readonly state: NetworkState;
  /** CNI ADD for every network; on failure everything is undone and the error thrown. */
  connect(): Promise<NetworkState>;
}

// The pod's network counters: /proc/<pid>/net/dev of a process in the pod's
// network namespace (its infra process), one sample set per interface but
// loopback, as cAdvisor reports them.
import { parseNetDev } from './parse.ts';
import { readText, type Sample } from './sample.ts';

export async function collectNetwork(netnsPid: number): Promise<Sample[]> {
  if (netnsPid <= 0) return [];
  const out: Sample[] = [];
  for (const [iface, c] of parseNetDev(await readText(`/proc/${netnsPid}/net/dev`))) {
    const extra = [iface];
    out.push(
      { name: 'container_network_receive_bytes_total', value: c.rxBytes, extra },
      { name: 'container_network_receive_packets_total', value: c.rxPackets, extra },
      { name: 'container_network_receive_packets_dropped_total', value: c.rxDropped, extra },
      { name: 'container_network_receive_errors_total', value: c.rxErrors, extra },
      { name: 'container_network_transmit_bytes_total', value: c.txBytes, extra },
      { name: 'container_network_transmit_packets_total', value: c.txPackets, extra },
      { name: 'container_network_transmit_packets_dropped_total', value: c.txDropped, extra },
      { name: 'container_network_transmit_errors_total', value: c.txErrors, extra },
    );
  }
  return out;
}

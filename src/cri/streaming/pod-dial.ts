// Connects to a port on a pod's own loopback, as containerd's PortForward
// does (localhost, IPv4 then IPv6): the socket is made inside the pod's
// network namespace (berth-native's tcpSocketInNetns), so it reaches exactly
// what the pod's processes reach at 127.0.0.1/::1 — the pod's loopback, never
// the host's — and the host needs no route, NAT or listening port for it. A
// pod on the host's network is reached from berthd's own namespace, which is
// that pod's.
import { Socket } from 'node:net';
import { loadNative } from '../../lib/native.ts';

/** Where a pod's ports are: the path of its network namespace, or the host's network. */
export type PodNetwork = { readonly netns: string } | { readonly hostNetwork: true };

function connectOnce(network: PodNetwork, family: 4 | 6, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = 'netns' in network ? new Socket({ fd: loadNative().tcpSocketInNetns(network.netns, family), allowHalfOpen: true }) : new Socket({ allowHalfOpen: true });
    const onError = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.connect({ port, host: family === 4 ? '127.0.0.1' : '::1' }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** A TCP connection to localhost:port inside the pod's network; rejects with the IPv4 error when neither family connects. */
export async function dialPod(network: PodNetwork, port: number): Promise<Socket> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port ${port} is out of range 1-65535`);
  try {
    return await connectOnce(network, 4, port);
  } catch (err4) {
    try {
      return await connectOnce(network, 6, port);
    } catch {
      throw err4;
    }
  }
}

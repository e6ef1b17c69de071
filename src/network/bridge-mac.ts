// A bridge's own MAC address. Linux gives a bridge without one the lowest MAC
// of its ports, so it changes as containers come and go, and the containers
// still running keep the old one in their ARP cache: their packets to the
// gateway (the embedded DNS, the way out) are lost until that entry expires.
// docker's bridge driver sets a random address on the bridge for this reason;
// one set explicitly stays whatever ports join or leave.
import { randomBytes } from 'node:crypto';

/** A random locally administered unicast MAC, `xx:xx:xx:xx:xx:xx` (docker's GenerateRandomMAC). */
export function randomBridgeMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

// `extrahosts` of a build (`host:ip`, docker's --add-host) checked the way
// dockerd checks them when it creates a RUN step's container (opts.ValidateExtraHost).
import { isIP } from 'node:net';
import { invalidArgument } from '../core/errors.ts';

/** Throws dockerd's error for the first malformed `host:ip` entry. */
export function checkExtraHosts(entries: readonly string[]): void {
  for (const e of entries) {
    // Split on the first `:` only, so that the address may be IPv6.
    const i = e.indexOf(':');
    if (i <= 0) throw invalidArgument(`bad format for add-host: ${JSON.stringify(e)}`);
    const ip = e.slice(i + 1);
    if (ip !== 'host-gateway' && isIP(ip.trim()) === 0) throw invalidArgument(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
}

// client: where the daemon listens — `-H`, then DOCKER_HOST, then berth's default
// socket. Only unix sockets for now; tcp:// is refused with NotImplemented.
import { invalidArgument, notImplemented } from '../core/errors.ts';

export const defaultSocketPath = '/run/berth/berth.sock';

export interface DaemonAddress {
  readonly socketPath: string;
  /** True when nobody chose the address (no -H, no DOCKER_HOST). */
  readonly isDefault: boolean;
}

/** Resolves the daemon address from an explicit host and the environment. */
export function resolveDaemonAddress(host?: string, env: NodeJS.ProcessEnv = process.env): DaemonAddress {
  const chosen = host ?? (env['DOCKER_HOST'] || undefined);
  if (chosen === undefined) return { socketPath: defaultSocketPath, isDefault: true };
  if (chosen.startsWith('unix://')) {
    const path = chosen.slice('unix://'.length);
    if (path === '') throw invalidArgument(`invalid host "${chosen}": empty socket path`);
    return { socketPath: path, isDefault: false };
  }
  if (chosen.startsWith('/')) return { socketPath: chosen, isDefault: false };
  if (/^(tcp|https?|ssh|npipe|fd):\/\//.test(chosen)) {
    throw notImplemented(`host "${chosen}": only unix:// sockets are supported`);
  }
  throw invalidArgument(`unable to parse docker host \`${chosen}\``);
}

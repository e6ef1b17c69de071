// cli: berth's global options (-H, --context, --config, -D, -l) put into effect for
// the command about to run: commander's preAction hook (program.ts) and the
// commander-free fast path (fast-list.ts) both call this one function.
import { setGlobalOptions } from '../cli-kit/index.ts';
import { resolveHost } from '../client/index.ts';

export interface GlobalFlags { host?: string; logLevel?: string; context?: string; config?: string; debug?: boolean }

/** Sets DOCKER_CONFIG from --config, resolves the daemon's address and records host and log level. */
export function applyGlobalOptions(g: GlobalFlags): void {
  if (g.config !== undefined) process.env['DOCKER_CONFIG'] = g.config;
  const host = resolveHost(g);
  const logLevel = g.debug ? 'debug' : g.logLevel;
  setGlobalOptions({ ...(host !== undefined ? { host } : {}), ...(logLevel !== undefined ? { logLevel } : {}) });
}

// core: docker's restart policy values — parsing `--restart` text and the
// daemon's validation. Pure: the CLI parses flags with it, the API validates
// request bodies with it, the engine applies the result.
import type { RestartPolicy } from './types.ts';

/**
 * docker's `--restart` value: `no`, `always`, `unless-stopped`, `on-failure[:N]`,
 * read as the docker CLI reads it (opts.ParseRestartPolicy): only the format is
 * checked here; the name and the count are the daemon's to refuse
 * (validateRestartPolicy), as dockerd does.
 */
export function parseRestartPolicy(text: string): { readonly name: string; readonly maximumRetryCount: number } {
  if (text === '') return { name: 'no', maximumRetryCount: 0 };
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const count = colon < 0 ? '' : text.slice(colon + 1);
  if (colon >= 0 && name === '') throw new Error('invalid restart policy format: no policy provided before colon');
  let maximumRetryCount = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
    maximumRetryCount = Number(count);
  }
  return { name, maximumRetryCount };
}

/** The daemon's checks on a restart policy (docker's texts). */
export function validateRestartPolicy(name: string, maximumRetryCount: number): RestartPolicy {
  if (name !== 'no' && name !== 'always' && name !== 'unless-stopped' && name !== 'on-failure') {
    throw new Error(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if (maximumRetryCount !== 0 && name !== 'on-failure') throw new Error(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (maximumRetryCount < 0) throw new Error('invalid restart policy: maximum retry count cannot be negative');
  return { name, maximumRetryCount };
}

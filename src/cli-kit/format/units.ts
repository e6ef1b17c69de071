// cli-kit/format: docker's go-units wording for durations and sizes, from the one
// copy in lib/go-units.ts — HumanDuration (`About a minute`),
// HumanSizeWithPrecision (`4.26MB`; the docker CLI's tables use 3 digits) and
// BytesSize (binary, `1.5GiB`), RAMInBytes for size flags.
import { humanDuration, humanSizeWithPrecision } from '../../lib/go-units.ts';

export { bytesSize, formatG, humanDuration, ramInBytes as parseRamBytes } from '../../lib/go-units.ts';

/** `N seconds ago` for a unix time in seconds, as docker's CREATED columns. */
export function timeAgo(unixSeconds: number, now: number = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

/** go-units HumanSizeWithPrecision (decimal units); the docker CLI's tables use 3 digits. */
export function humanSize(bytes: number, precision = 3): string {
  return humanSizeWithPrecision(bytes, precision);
}

// dockerd's router (gorilla/mux) answers a request whose path is not clean
// (`//`, `.` or `..` segments) with 301 to the cleaned path; clients follow it.
// docker-py's remove_container('/parent/alias', link=True) asks for
// `/containers//parent/alias` this way.
import { posix } from 'node:path';

/** gorilla/mux's cleanPath: path.Clean, keeping a trailing slash. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  return posix.normalize(p.startsWith('/') ? p : `/${p}`);
}

/** The Location to redirect a raw request target to, or undefined when its path is already clean. */
export function cleanRedirect(target: string): string | undefined {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const clean = cleanPath(path);
  return clean === path ? undefined : clean + (q < 0 ? '' : target.slice(q));
}

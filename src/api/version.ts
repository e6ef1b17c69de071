// API version numbers from request paths (`/v1.41/...`), compared as docker does.
export const maxApiVersion = '1.47';
export const minApiVersion = '1.24';

/** `1.41` → 1041, so that 1.5 < 1.41 compares right. */
export function versionNumber(v: string): number {
  const [major = '0', minor = '0'] = v.split('.');
  return Number(major) * 1000 + Number(minor);
}

export function versionLess(a: string, b: string): boolean {
  return versionNumber(a) < versionNumber(b);
}

/** Splits `/v1.41/containers/json` into the version and the rest. */
export function splitVersion(path: string): { version?: string; rest: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)?$/.exec(path);
  if (!m) return { rest: path };
  return { version: m[1]!, rest: m[2] ?? '/' };
}

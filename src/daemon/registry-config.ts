// berthd's registry settings from daemon.json, with docker's keys:
// `insecure-registries` (hosts or CIDRs), `registry-mirrors` (a list of URLs
// for docker.io, or berth's extension: an object of registry host → URLs),
// and the per-registry TLS directory `certs.d/<host>/` beside the config file
// (docker's layout: `*.crt` CAs, `client.cert` + `client.key` for mutual TLS).
import { dirname, join } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import type { RegistrySettings } from '../registry/index.ts';

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalidArgument(`${what} must be a list of strings`);
  return v as string[];
}

export function registrySettingsFrom(file: Readonly<Record<string, unknown>>, configFile: string): RegistrySettings {
  const insecure = file['insecure-registries'] !== undefined ? stringList(file['insecure-registries'], `${configFile}: "insecure-registries"`) : [];
  const mirrorsRaw = file['registry-mirrors'];
  const mirrors: Record<string, string[]> = {};
  if (Array.isArray(mirrorsRaw)) mirrors['docker.io'] = stringList(mirrorsRaw, `${configFile}: "registry-mirrors"`);
  else if (typeof mirrorsRaw === 'object' && mirrorsRaw !== null) {
    for (const [host, urls] of Object.entries(mirrorsRaw)) mirrors[host] = stringList(urls, `${configFile}: "registry-mirrors" of ${host}`);
  } else if (mirrorsRaw !== undefined) throw invalidArgument(`${configFile}: "registry-mirrors" must be a list of URLs or an object of lists`);
  for (const list of Object.values(mirrors)) {
    for (const u of list) {
      try {
        new URL(u);
      } catch {
        throw invalidArgument(`invalid mirror: "${u}" is not a valid URI`);
      }
    }
  }
  const certsDir = typeof file['registry-certs-dir'] === 'string' ? file['registry-certs-dir'] : join(dirname(configFile), 'certs.d');
  return { insecureRegistries: insecure, mirrors, certsDir };
}

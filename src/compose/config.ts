// compose: `compose config` — the normalised, interpolated, merged model
// printed as YAML in Compose's shape (sorted keys, long-form ports and volumes,
// networks with their engine names), or --services / --volumes / --images.
import { stringify } from 'yaml';
import type { Project, ServiceConfig } from './model.ts';
import { serviceImage } from './container-spec.ts';

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, sortKeys(v[k])]));
  return v;
}

function serviceModel(s: ServiceConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s.raw };
  delete out['env_file'];
  if (s.command) out['command'] = [...s.command];
  if (s.entrypoint) out['entrypoint'] = [...s.entrypoint];
  if (s.build) out['build'] = { ...s.build };
  if (Object.keys(s.environment).length > 0) out['environment'] = { ...s.environment };
  else delete out['environment'];
  if (s.ports.length > 0) out['ports'] = s.ports.map((p) => ({ ...p }));
  if (s.volumes.length > 0) out['volumes'] = s.volumes.map((v) => ({ ...v }));
  if (Object.keys(s.depends_on).length > 0) out['depends_on'] = { ...s.depends_on };
  out['networks'] = { ...s.networks };
  return out;
}

export interface ConfigOptions {
  readonly services?: boolean;
  readonly volumes?: boolean;
  readonly images?: boolean;
  readonly format?: string;
}

export function renderConfig(project: Project, options: ConfigOptions = {}): string {
  if (options.services) return project.services.map((s) => `${s.name}\n`).join('');
  if (options.volumes) return Object.keys(project.volumes).map((v) => `${v}\n`).join('');
  if (options.images) return project.services.map((s) => `${serviceImage(project, s)}\n`).join('');
  const model: Record<string, unknown> = {
    name: project.name,
    services: Object.fromEntries(project.services.map((s) => [s.name, serviceModel(s)])),
  };
  if (Object.keys(project.networks).length > 0) {
    model['networks'] = Object.fromEntries(Object.entries(project.networks).map(([k, n]) => [k, { ...n, external: n.external || undefined }]));
  }
  if (Object.keys(project.volumes).length > 0) {
    model['volumes'] = Object.fromEntries(Object.entries(project.volumes).map(([k, v]) => [k, { ...v, external: v.external || undefined }]));
  }
  for (const kind of ['secrets', 'configs'] as const) {
    const objects = project[kind];
    if (objects && Object.keys(objects).length > 0) {
      model[kind] = Object.fromEntries(Object.entries(objects).map(([k, o]) => [k, { ...o, external: o.external || undefined }]));
    }
  }
  // Compose's top-level order: name, services, networks, volumes, secrets, configs; keys sorted below that.
  const sorted: Record<string, unknown> = {};
  for (const k of ['name', 'services', 'networks', 'volumes', 'secrets', 'configs']) if (model[k] !== undefined) sorted[k] = sortKeys(model[k]);
  if (options.format === 'json') return `${JSON.stringify(sorted, null, 2)}\n`;
  return stringify(sorted, { lineWidth: 0 });
}

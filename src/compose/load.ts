// compose: loading a project — finding the compose files, reading .env and the
// shell's environment, interpolating, merging, validating against the Compose
// schema, choosing the project name, applying profiles and normalising the
// model (model.ts) that every compose command works from.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { invalidArgument, notFound } from '../core/errors.ts';
import { interpolateTree, parseDotEnv } from './interpolate.ts';
import type { Environment } from './interpolate.ts';
import { mergeComposeTrees } from './merge.ts';
import { validateComposeTree } from './validate.ts';
import { parsePorts } from './ports.ts';
import { splitShellWords } from './shell-words.ts';
import type { BindRecursive, BuildConfig, DependsOn, NetworkConfig, Project, ServiceConfig, VolumeConfig, VolumeMount } from './model.ts';
import { applyExtends } from './extends.ts';
import { applyIncludes } from './include.ts';
import { checkGrants, parseFileObjects, parseGrants } from './configs-secrets.ts';

export interface LoadOptions {
  readonly files?: readonly string[];
  readonly projectName?: string;
  readonly projectDirectory?: string;
  readonly profiles?: readonly string[];
  readonly envFiles?: readonly string[];
  readonly cwd?: string;
  readonly env?: Environment;
  /** Leave out the warnings Compose prints on stderr (obsolete `version`). */
  readonly quietWarnings?: boolean;
}

const defaultFiles = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const overrideFiles = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

async function exists(p: string): Promise<boolean> {
  try { await stat(p); return true; } catch { return false; }
}

/** Compose's project-name rule: lowercase, only [a-z0-9_-], starting with a letter or digit. */
export function normaliseProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

function checkProjectName(s: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(s)) {
    throw invalidArgument(`invalid project name "${s}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`);
  }
  return s;
}

/** The compose files to read: -f / COMPOSE_FILE, else the first default name found here or above, plus its override. */
async function findFiles(cwd: string, files: readonly string[], env: Environment): Promise<string[]> {
  if (files.length > 0) return files.map((f) => (f === '-' ? f : resolve(cwd, f)));
  const fromEnv = env['COMPOSE_FILE'];
  if (fromEnv) return fromEnv.split(env['COMPOSE_PATH_SEPARATOR'] ?? ':').map((f) => resolve(cwd, f));
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const name of defaultFiles) {
      const p = join(dir, name);
      if (await exists(p)) {
        const out = [p];
        for (const o of overrideFiles) if (await exists(join(dir, o))) { out.push(join(dir, o)); break; }
        return out;
      }
    }
    if (dirname(dir) === dir) break;
  }
  throw notFound('no configuration file provided: not found');
}

async function readText(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw notFound(`open ${file}: no such file or directory`);
    throw e;
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringMap(v: unknown, sep = '='): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const i = s.indexOf(sep);
      if (i < 0) out[s] = null; else out[s.slice(0, i)] = s.slice(i + sep.length);
    }
  } else if (isMap(v)) {
    for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? null : String(val);
  }
  return out;
}

function words(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String);
  return splitShellWords(String(v));
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

function isPathLike(s: string): boolean {
  return s.startsWith('.') || s.startsWith('/') || s.startsWith('~');
}

/** Short and long volume entries → VolumeMount, binds made absolute against the project directory. */
function parseVolumes(list: readonly unknown[], workingDir: string): VolumeMount[] {
  return list.map((v): VolumeMount => {
    if (isMap(v)) {
      const type = String(v['type'] ?? 'volume') as VolumeMount['type'];
      let source = v['source'] === undefined ? undefined : String(v['source']);
      if (type === 'bind' && source !== undefined) source = resolve(workingDir, expandHome(source));
      const b = isMap(v['bind']) ? v['bind'] : {};
      const bindOptions = {
        ...(b['create_host_path'] !== undefined ? { create_host_path: Boolean(b['create_host_path']) } : {}),
        // The schema allows only these four words.
        ...(b['recursive'] !== undefined ? { recursive: String(b['recursive']) as BindRecursive } : {}),
      };
      const bind = Object.keys(bindOptions).length > 0 ? { bind: bindOptions } : {};
      return { type, target: String(v['target']), ...(source !== undefined ? { source } : {}), ...(v['read_only'] ? { read_only: true } : {}), ...bind };
    }
    const parts = String(v).split(':');
    if (parts.length === 1) return { type: 'volume', target: parts[0] as string };
    const [src = '', target = '', mode = ''] = parts;
    const ro = mode.split(',').includes('ro');
    if (isPathLike(src)) {
      return { type: 'bind', source: resolve(workingDir, expandHome(src)), target, bind: { create_host_path: true }, ...(ro ? { read_only: true } : {}) };
    }
    return { type: 'volume', source: src, target, ...(ro ? { read_only: true } : {}) };
  });
}

function parseBuild(v: unknown, workingDir: string): BuildConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const m = isMap(v) ? v : { context: v };
  const context = String(m['context'] ?? '.');
  const out: { -readonly [K in keyof BuildConfig]: BuildConfig[K] } = {
    context: /^[a-z]+:\/\//.test(context) || context.startsWith('git@') ? context : resolve(workingDir, context),
    dockerfile: String(m['dockerfile'] ?? 'Dockerfile'),
  };
  if (m['args'] !== undefined) out.args = stringMap(m['args']);
  if (m['target'] !== undefined) out.target = String(m['target']);
  if (m['labels'] !== undefined) out.labels = Object.fromEntries(Object.entries(stringMap(m['labels'])).map(([k, x]) => [k, x ?? '']));
  return out;
}

async function readEnvFile(file: string, env: Environment, required: boolean): Promise<Record<string, string>> {
  try {
    return parseDotEnv(await readFile(file, 'utf8'), env);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      if (!required) return {};
      throw notFound(`env file ${file} not found: stat ${file}: no such file or directory`);
    }
    throw e;
  }
}

/** Reads a service's env_file entries (resolved against the project directory) into one map. */
async function serviceEnvFiles(v: unknown, workingDir: string, env: Environment): Promise<Record<string, string>> {
  if (v === undefined || v === null) return {};
  const list = Array.isArray(v) ? v : [v];
  let out: Record<string, string> = {};
  for (const item of list) {
    const m: Record<string, unknown> = isMap(item) ? item : { path: item };
    const file = resolve(workingDir, String(m['path']));
    out = { ...out, ...(await readEnvFile(file, env, m['required'] !== false)) };
  }
  return out;
}

function parseDependsOn(v: unknown): Record<string, DependsOn> {
  const out: Record<string, DependsOn> = {};
  if (Array.isArray(v)) for (const s of v) out[String(s)] = { condition: 'service_started', required: true };
  else if (isMap(v)) {
    for (const [k, d] of Object.entries(v)) {
      const m = isMap(d) ? d : {};
      out[k] = {
        condition: (m['condition'] ?? 'service_started') as DependsOn['condition'],
        required: m['required'] !== false,
        ...(m['restart'] !== undefined ? { restart: Boolean(m['restart']) } : {}),
      };
    }
  }
  return out;
}

async function normaliseService(name: string, s: Record<string, unknown>, workingDir: string, env: Environment): Promise<ServiceConfig> {
  const fromFiles = await serviceEnvFiles(s['env_file'], workingDir, env);
  const environment: Record<string, string | null> = { ...fromFiles };
  for (const [k, v] of Object.entries(stringMap(s['environment']))) {
    // A name without a value takes it from the shell/.env, or stays unset.
    environment[k] = v ?? env[k] ?? null;
  }
  const networks: Record<string, { aliases?: string[]; ipv4_address?: string } | null> = {};
  const nets = s['networks'];
  if (Array.isArray(nets)) for (const n of nets) networks[String(n)] = null;
  else if (isMap(nets)) {
    for (const [k, v] of Object.entries(nets)) {
      const m = isMap(v) ? v : {};
      networks[k] = {
        ...(Array.isArray(m['aliases']) ? { aliases: m['aliases'].map(String) } : {}),
        ...(m['ipv4_address'] !== undefined ? { ipv4_address: String(m['ipv4_address']) } : {}),
      };
    }
  }
  if (Object.keys(networks).length === 0 && s['network_mode'] === undefined) networks['default'] = null;
  const deploy = isMap(s['deploy']) ? s['deploy'] : {};
  const scale = Number(s['scale'] ?? deploy['replicas'] ?? 1);
  const command = words(s['command']);
  const entrypoint = words(s['entrypoint']);
  const build = parseBuild(s['build'], workingDir);
  const configs = parseGrants(s['configs'], 'configs');
  const secrets = parseGrants(s['secrets'], 'secrets');
  return {
    name,
    ...(s['image'] !== undefined ? { image: String(s['image']) } : {}),
    ...(build ? { build } : {}),
    ...(command ? { command } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    environment,
    labels: Object.fromEntries(Object.entries(stringMap(s['labels'])).map(([k, v]) => [k, v ?? ''])),
    ports: parsePorts(Array.isArray(s['ports']) ? s['ports'] : []),
    volumes: parseVolumes(Array.isArray(s['volumes']) ? s['volumes'] : [], workingDir),
    networks,
    depends_on: parseDependsOn(s['depends_on']),
    profiles: Array.isArray(s['profiles']) ? s['profiles'].map(String) : [],
    scale,
    ...(configs.length > 0 ? { configs } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    raw: s,
  };
}

/** One compose file as a tree: parsed, interpolated with `env`, checked against the schema (errors name the file). */
/**
 * Compose reads YAML with Go's yaml.v3, where a plain `0440` is octal (288):
 * the form the Compose docs use for secret and config modes.
 */
const legacyOctalInt = {
  identify: (v: unknown) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^0[0-7]+$/,
  resolve: (s: string) => parseInt(s, 8),
};

async function readComposeTree(f: string, env: Environment, quietWarnings: boolean): Promise<Record<string, unknown>> {
  let doc: unknown;
  try {
    doc = parseYaml(await readText(f), { merge: true, customTags: (tags) => [legacyOctalInt, ...tags] });
  } catch (e) {
    if ((e as { name?: string }).name === 'YAMLParseError') throw invalidArgument(`yaml: ${(e as Error).message.split('\n')[0]}`);
    throw e;
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isMap(doc)) throw invalidArgument(`${f}: top-level object must be a mapping`);
  const tree = interpolateTree(doc, env) as Record<string, unknown>;
  if ('version' in tree && !quietWarnings) {
    process.stderr.write(`WARN[0000] ${f}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion\n`);
  }
  validateComposeTree(tree, f);
  return tree;
}

/** Loads and normalises the project the options name. */
export async function loadProject(options: LoadOptions = {}): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  const shell = options.env ?? process.env;
  const files = await findFiles(cwd, options.files ?? [], shell);
  const first = files[0] === '-' || files[0] === undefined ? join(cwd, 'compose.yaml') : files[0];
  const workingDir = options.projectDirectory ? resolve(cwd, options.projectDirectory) : dirname(first);
  // .env (or --env-file) of the project directory, with the shell's values winning.
  let dotEnv: Record<string, string> = {};
  if (options.envFiles && options.envFiles.length > 0) {
    for (const f of options.envFiles) dotEnv = { ...dotEnv, ...(await readEnvFile(resolve(cwd, f), shell, true)) };
  } else {
    dotEnv = await readEnvFile(join(workingDir, '.env'), shell, false);
  }
  const env: Record<string, string | undefined> = { ...dotEnv, ...shell };

  const trees: Record<string, unknown>[] = [];
  for (const f of files) trees.push(await readComposeTree(f, env, options.quietWarnings === true));
  let tree = mergeComposeTrees(trees);
  // include: after the files are merged; then extends (relative to the first file).
  const mainFile = files[0] === '-' || files[0] === undefined ? join(workingDir, 'compose.yaml') : files[0];
  tree = await applyIncludes(tree, workingDir, {
    env,
    readTree: (f, e) => readComposeTree(f, e, options.quietWarnings === true),
    readEnvFile,
  });
  tree = await applyExtends(tree, mainFile, (f) => readComposeTree(f, env, options.quietWarnings === true));

  const fromFile = typeof tree['name'] === 'string' && tree['name'] !== '' ? tree['name'] : undefined;
  let name: string;
  if (options.projectName) name = checkProjectName(options.projectName);
  else if (env['COMPOSE_PROJECT_NAME']) name = checkProjectName(env['COMPOSE_PROJECT_NAME']);
  else if (fromFile) name = checkProjectName(fromFile);
  else name = normaliseProjectName(basename(workingDir));
  if (name === '') throw invalidArgument('project name must not be empty');
  env['COMPOSE_PROJECT_NAME'] = name;

  const profiles = new Set(options.profiles && options.profiles.length > 0 ? options.profiles : (env['COMPOSE_PROFILES'] ?? '').split(',').filter((p) => p !== ''));
  const services: ServiceConfig[] = [];
  const disabled: ServiceConfig[] = [];
  const rawServices = isMap(tree['services']) ? tree['services'] : {};
  for (const [svcName, raw] of Object.entries(rawServices)) {
    const s = await normaliseService(svcName, isMap(raw) ? raw : {}, workingDir, env);
    if (s.image === undefined && s.build === undefined) throw invalidArgument(`service "${svcName}" has neither an image nor a build context specified: invalid compose project`);
    const enabled = s.profiles.length === 0 || s.profiles.includes('*') || s.profiles.some((p) => profiles.has(p)) || profiles.has('*');
    (enabled ? services : disabled).push(s);
  }
  for (const s of services) {
    for (const [dep, d] of Object.entries(s.depends_on)) {
      if (!(dep in rawServices) && d.required) throw invalidArgument(`service "${s.name}" depends on undefined service "${dep}": invalid compose project`);
    }
  }

  const networks: Record<string, NetworkConfig> = {};
  const rawNetworks = isMap(tree['networks']) ? tree['networks'] : {};
  const usesDefault = services.some((s) => 'default' in s.networks);
  const allNetworks: Record<string, unknown> = { ...(usesDefault ? { default: null } : {}), ...rawNetworks };
  for (const [key, raw] of Object.entries(allNetworks)) {
    const m: Record<string, unknown> = isMap(raw) ? raw : {};
    const external = m['external'] === true || isMap(m['external']);
    const extName = isMap(m['external']) && typeof m['external']['name'] === 'string' ? m['external']['name'] : undefined;
    networks[key] = {
      name: typeof m['name'] === 'string' ? m['name'] : extName ?? (external ? key : `${name}_${key}`),
      external,
      ...(typeof m['driver'] === 'string' ? { driver: m['driver'] } : {}),
      ...(m['labels'] !== undefined ? { labels: Object.fromEntries(Object.entries(stringMap(m['labels'])).map(([k, v]) => [k, v ?? ''])) } : {}),
      ...(m['internal'] === true ? { internal: true } : {}),
      ...(m['ipam'] !== undefined ? { ipam: m['ipam'] } : {}),
    };
  }
  for (const s of services) {
    for (const n of Object.keys(s.networks)) if (!(n in networks)) throw invalidArgument(`service "${s.name}" refers to undefined network ${n}: invalid compose project`);
  }

  const volumes: Record<string, VolumeConfig> = {};
  const rawVolumes = isMap(tree['volumes']) ? tree['volumes'] : {};
  for (const [key, raw] of Object.entries(rawVolumes)) {
    const m: Record<string, unknown> = isMap(raw) ? raw : {};
    const external = m['external'] === true || isMap(m['external']);
    volumes[key] = {
      name: typeof m['name'] === 'string' ? m['name'] : external ? key : `${name}_${key}`,
      external,
      ...(typeof m['driver'] === 'string' ? { driver: m['driver'] } : {}),
      ...(isMap(m['driver_opts']) ? { driver_opts: Object.fromEntries(Object.entries(m['driver_opts']).map(([k, v]) => [k, String(v)])) } : {}),
      ...(m['labels'] !== undefined ? { labels: Object.fromEntries(Object.entries(stringMap(m['labels'])).map(([k, v]) => [k, v ?? ''])) } : {}),
    };
  }
  for (const s of services) {
    for (const v of s.volumes) {
      if (v.type === 'volume' && v.source !== undefined && !(v.source in volumes)) {
        throw invalidArgument(`service "${s.name}" refers to undefined volume ${v.source}: invalid compose project`);
      }
    }
  }

  const configs = parseFileObjects(tree['configs'], 'configs', name, workingDir);
  const secrets = parseFileObjects(tree['secrets'], 'secrets', name, workingDir);
  for (const s of services) {
    checkGrants(s.name, 'configs', s.configs ?? [], configs);
    checkGrants(s.name, 'secrets', s.secrets ?? [], secrets);
  }

  return {
    name, workingDir, configFiles: files, services, disabled, networks, volumes, environment: env,
    ...(Object.keys(configs).length > 0 ? { configs } : {}),
    ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
  };
}

/** Whether `p` is an absolute path (re-exported for callers that resolve binds). */
export const isAbsolutePath = isAbsolute;

// The query of `POST /build` read the way dockerd 20.10 reads it
// (api/server/router/build newImageBuildOptions): JSON parameters with its
// error texts and statuses, repeated `t` and `extrahosts`, the RUN
// containers' resource limits, and the options the classic builder refuses
// on Linux (squash without experimental mode, security options, an isolation
// other than the default).
import type { IncomingHttpHeaders } from 'node:http';
import { errorMessage, internal, invalidArgument, notImplemented } from '../../core/errors.ts';
import { normalizeTagged } from '../../core/reference.ts';
import type { Ulimit } from '../../core/types.ts';
import type { BuildOptions } from '../../engine/index.ts';
import { buildSecretsHeader, buildSshHeader, secretsHeader, sshHeader } from '../../core/build-secrets.ts';
import { boolQuery } from '../http-util.ts';
import { parseRegistryConfigHeader } from '../registry-auth.ts';
import { versionLess } from '../version.ts';
import { goJsonCheck } from '../go-json-error.ts';

/** Options of the request beyond the build itself. */
export interface BuildQuery {
  readonly quiet: boolean;
  /** `remote`: a URL or git repository to take the context from instead of the body. */
  readonly remote: string;
  readonly options: Omit<BuildOptions, 'signal'>;
}

/** Go's strconv.ParseInt text for an invalid number. */
function parseInt64(raw: string | null): number {
  if (raw === null || raw === '') return 0;
  if (!/^[+-]?\d+$/.test(raw)) throw internal(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number(raw);
}

/** httputils.Int64ValueOrZero: an invalid number counts as 0. */
function int64OrZero(query: URLSearchParams, name: string): number {
  const raw = query.get(name);
  return raw !== null && /^[+-]?\d+$/.test(raw) ? Number(raw) : 0;
}

/** A JSON parameter decoded into `type` (Go's type name, for the error text). */
function jsonParam(raw: string, type: 'map[string]*string' | 'map[string]string' | '[]string' | '[]*units.Ulimit' | '[]types.ImageBuildOutput'): unknown {
  const err = goJsonCheck(raw, type);
  if (err !== undefined) throw new Error(err);
  return JSON.parse(raw) as unknown;
}

function stringMap<T extends string | null>(query: URLSearchParams, name: string, type: 'map[string]*string' | 'map[string]string', what: string): Record<string, T> {
  const raw = query.get(name);
  if (raw === null || raw === '') return {};
  let v: unknown;
  try {
    v = jsonParam(raw, type);
  } catch (err) {
    throw invalidArgument(`error reading ${what}: ${(err as Error).message}`);
  }
  return (v ?? {}) as Record<string, T>;
}

function ulimits(query: URLSearchParams): Ulimit[] {
  const raw = query.get('ulimits');
  if (raw === null || raw === '') return [];
  let v: unknown;
  try {
    v = jsonParam(raw, '[]*units.Ulimit');
  } catch (err) {
    throw invalidArgument(`error reading ulimit settings: ${(err as Error).message}`);
  }
  return ((v ?? []) as ({ Name?: unknown; Soft?: unknown; Hard?: unknown } | null)[])
    .filter((u) => u !== null)
    .map((u) => ({ name: String(u?.Name ?? ''), soft: Number(u?.Soft ?? 0), hard: Number(u?.Hard ?? 0) }));
}

/** A parameter dockerd decodes without wrapping the error (so it answers 500). */
function plainJson(query: URLSearchParams, name: string, type: '[]string' | '[]types.ImageBuildOutput'): unknown {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  try {
    return jsonParam(raw, type);
  } catch (err) {
    throw internal((err as Error).message);
  }
}

/** Reads the query and headers of `POST /build`; throws dockerd's error for what it refuses. */
export function parseBuildQuery(query: URLSearchParams, headers: IncomingHttpHeaders, apiVersion: string): BuildQuery {
  const at = (v: string) => !versionLess(apiVersion, v);
  if (query.getAll('securityopt').length > 0) throw invalidArgument('The daemon on this platform does not support setting security options on build');
  // The classic builder ignores `outputs` (BuildKit's exporters), but dockerd still decodes it.
  if (at('1.40')) plainJson(query, 'outputs', '[]types.ImageBuildOutput');
  const shmSize = parseInt64(query.get('shmsize'));
  const isolation = query.get('isolation') ?? '';
  if (isolation !== '' && isolation.toLowerCase() !== 'default') throw invalidArgument(`Unsupported isolation: ${JSON.stringify(isolation)}`);
  const limits = ulimits(query);
  const buildArgs = stringMap<string | null>(query, 'buildargs', 'map[string]*string', 'build args');
  const labels = stringMap<string>(query, 'labels', 'map[string]string', 'labels');
  const cacheFrom = ((plainJson(query, 'cachefrom', '[]string') ?? []) as string[]).filter((c) => c !== '');
  const version = query.get('version') ?? '';
  if (version !== '' && version !== '1' && version !== '2') throw internal(`invalid version ${JSON.stringify(version)}`);
  if (version === '2') throw notImplemented('BuildKit is not supported by berth; use the classic builder (DOCKER_BUILDKIT=0)');
  if (boolQuery(query, 'squash')) throw invalidArgument('squash is only supported with experimental mode');
  for (const name of ['cpusetmems', 'cgroupparent']) {
    if ((query.get(name) ?? '') !== '') throw notImplemented(`berth does not support ${name} for the containers of a build`);
  }
  const remote = query.get('remote') ?? '';
  if (remote === 'client-session') throw invalidArgument('experimental session with v1 builder is no longer supported, use builder version v2 (BuildKit) instead');

  // dockerd checks the tags before it reads the context (its Tagger); an error is a plain 500.
  const tags = query.getAll('t').filter((t) => t !== '');
  for (const t of tags) {
    try {
      normalizeTagged(t);
    } catch (err) {
      throw internal(errorMessage(err), err);
    }
  }
  const forceRm = boolQuery(query, 'forcerm');
  // API >= 1.12: rm defaults to true, and forcerm implies it.
  const rm = forceRm || query.get('rm') === null || query.get('rm') === '' ? true : boolQuery(query, 'rm');
  const platform = at('1.32') ? (query.get('platform') ?? '') : '';
  const target = query.get('target') ?? '';
  const networkMode = query.get('networkmode') ?? '';
  const dockerfile = query.get('dockerfile') ?? '';
  const secrets = buildSecretsHeader(headers[secretsHeader]);
  const ssh = buildSshHeader(headers[sshHeader]);
  // dockerd ignores a header it cannot decode (getAuthConfigs), as a pull without credentials would.
  let registryAuth: ReturnType<typeof parseRegistryConfigHeader> = new Map();
  try {
    registryAuth = parseRegistryConfigHeader(headers['x-registry-config']);
  } catch {
    // Left empty on purpose.
  }
  const extraHosts = query.getAll('extrahosts');
  const runLimits = {
    memory: int64OrZero(query, 'memory'),
    memorySwap: int64OrZero(query, 'memswap'),
    cpuShares: int64OrZero(query, 'cpushares'),
    cpuPeriod: int64OrZero(query, 'cpuperiod'),
    cpuQuota: int64OrZero(query, 'cpuquota'),
    cpusetCpus: query.get('cpusetcpus') ?? '',
    shmSize,
    ulimits: limits,
  };
  return {
    quiet: boolQuery(query, 'q'),
    remote,
    options: {
      ...(registryAuth.size > 0 ? { registryAuth } : {}),
      ...(ssh.size > 0 ? { ssh } : {}),
      ...(secrets.size > 0 ? { secrets } : {}),
      ...(cacheFrom.length > 0 ? { cacheFrom } : {}),
      ...(extraHosts.length > 0 ? { extraHosts } : {}),
      runLimits,
      tags,
      buildArgs,
      labels,
      noCache: boolQuery(query, 'nocache'),
      pull: boolQuery(query, 'pull'),
      rm,
      forceRm,
      ...(target ? { target } : {}),
      ...(platform ? { platform } : {}),
      ...(networkMode ? { networkMode } : {}),
      ...(dockerfile ? { dockerfile } : {}),
    },
  };
}

// The HostConfig a create body gives, as dockerd 20.10's runconfig reads it:
// its ContainerConfigWrapper embeds a deprecated *HostConfig beside Config, so
// HostConfig fields may also stand at the top level of the body (the pre-1.18
// layout, which docker-py still uses for create_container(runtime=...) without
// a host_config). Go's getHostConfig then picks: the `HostConfig` object when
// given, else the top-level fields; beside a `HostConfig` object only Memory,
// MemorySwap, CpuShares, CpusetCpus and VolumeDriver fill its zero values; and
// the wrapper's own deprecated `Cpuset` fills an empty CpusetCpus.
//
// Current dockerd no longer embeds the deprecated struct and drops these
// fields; berth reads them as 20.10 does, since dropping what a client asked
// for (a runtime, a memory limit) without a word is worse than honouring it.
import { hostConfigFieldNames } from './create-body-types.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields that fill a given HostConfig's zero values from the top level (Go's getHostConfig). */
const filledFromTop = ['Memory', 'MemorySwap', 'CpuShares', 'CpusetCpus', 'VolumeDriver'] as const;

/** Go's zero value test for the numbers and strings above; a wrong type is left for the decoder to refuse. */
function isZero(v: unknown): boolean {
  return v === undefined || v === null || v === 0 || v === '';
}

/**
 * The top-level keys that Go's decoder would put into the embedded HostConfig,
 * by their Go names (Go matches a key case-insensitively when no field has its
 * exact name; a later duplicate wins, as Go decodes keys in order).
 */
function topLevelFields(body: Obj): Obj | undefined {
  let out: Obj | undefined;
  for (const [key, value] of Object.entries(body)) {
    const name = hostConfigFieldNames.includes(key) ? key : hostConfigFieldNames.find((n) => n.toLowerCase() === key.toLowerCase());
    if (name === undefined) continue;
    out ??= {};
    out[name] = value;
  }
  return out;
}

/** The wrapper's own `Cpuset` (depth 0, so it wins a case-insensitive match over nothing else). */
function cpusetOf(body: Obj): unknown {
  const key = 'Cpuset' in body ? 'Cpuset' : Object.keys(body).find((k) => k.toLowerCase() === 'cpuset');
  return key === undefined ? undefined : body[key];
}

export interface EffectiveHostConfig {
  /** The HostConfig to read, `{}` when the body gave none. */
  readonly hostConfig: Obj;
  /** Whether the body gave one (a `HostConfig` object or top-level HostConfig fields): dockerd then records the runtime at create. */
  readonly given: boolean;
}

/** The HostConfig that a create body gives (see the header); the caller has refused a `HostConfig` that is not an object. */
export function effectiveHostConfig(body: Obj): EffectiveHostConfig {
  const inner = body['HostConfig'];
  const top = topLevelFields(body);
  let hostConfig: Obj | undefined;
  if (isObj(inner)) {
    hostConfig = { ...inner };
    if (top) {
      for (const field of filledFromTop) {
        const innerKey = Object.keys(hostConfig).find((k) => k.toLowerCase() === field.toLowerCase()) ?? field;
        if (!isZero(top[field]) && isZero(hostConfig[innerKey])) hostConfig[innerKey] = top[field];
      }
    }
  } else {
    hostConfig = top;
  }
  if (hostConfig === undefined) return { hostConfig: {}, given: false };
  const cpuset = cpusetOf(body);
  if (typeof cpuset === 'string' && cpuset !== '') {
    const key = Object.keys(hostConfig).find((k) => k.toLowerCase() === 'cpusetcpus') ?? 'CpusetCpus';
    if (isZero(hostConfig[key])) hostConfig[key] = cpuset;
  }
  return { hostConfig, given: true };
}

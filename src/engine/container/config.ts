// Merges a container's requested config with its image's config exactly as
// dockerd does (daemon/commit.go merge + create checks): env by key, the
// entrypoint/cmd rules, working dir, user, stop signal, labels, ports, volumes.
import { invalidArgument } from '../../core/errors.ts';
import type { ContainerSpec } from '../../core/types.ts';
import type { OciContainerConfig } from '../../image/index.ts';

export interface MergedProcess {
  /** The spec with the image's defaults filled in (what inspect shows as Config). */
  readonly spec: ContainerSpec;
  readonly path: string;
  readonly args: readonly string[];
}

/** Merges `KEY=value` lists: entries of `over` replace same-key entries of `base`, others are appended. */
export function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const out = [...base];
  const keyOf = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  for (const entry of over) {
    const i = out.findIndex((e) => keyOf(e) === keyOf(entry));
    if (i >= 0) out[i] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * A process's environment from the engine's defaults and the container's (or
 * exec's) Env, as dockerd's ReplaceOrAppendEnvValues: same-key entries
 * replace, others are appended, and an entry without `=` (`-e NAME` with NAME
 * unset where the client ran) unsets NAME instead of being passed on — runc
 * refuses such an entry.
 */
export function processEnv(base: readonly string[], over: readonly string[]): string[] {
  const out: (string | undefined)[] = [...base];
  const keyOf = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  for (const entry of over) {
    const i = out.findIndex((e) => e !== undefined && keyOf(e) === keyOf(entry));
    if (!entry.includes('=')) {
      if (i >= 0) out[i] = undefined;
    } else if (i >= 0) out[i] = entry;
    else out.push(entry);
  }
  return out.filter((e): e is string => e !== undefined);
}

function isReset(entrypoint: readonly string[]): boolean {
  return entrypoint.length === 1 && entrypoint[0] === '';
}

export function mergeImageConfig(spec: ContainerSpec, image: OciContainerConfig | undefined): MergedProcess {
  const img = image ?? {};
  let entrypoint: readonly string[];
  let cmd: readonly string[];
  if (spec.entrypoint !== undefined && spec.entrypoint.length > 0) {
    // A given entrypoint (also `[""]`, which clears it) drops the image's Cmd.
    entrypoint = isReset(spec.entrypoint) ? [] : spec.entrypoint;
    cmd = spec.cmd ?? [];
  } else {
    cmd = spec.cmd !== undefined && spec.cmd.length > 0 ? spec.cmd : (img.Cmd ?? []);
    entrypoint = spec.entrypoint === undefined ? (img.Entrypoint ?? []) : [];
  }
  const argv = [...entrypoint, ...cmd];
  const path = argv[0];
  if (path === undefined) throw invalidArgument('No command specified');

  const exposed = new Set([...Object.keys(img.ExposedPorts ?? {}), ...spec.exposedPorts]);
  const volumes = new Set([...Object.keys(img.Volumes ?? {}), ...spec.volumes]);
  const merged: ContainerSpec = {
    ...spec,
    cmd,
    entrypoint,
    env: mergeEnv(img.Env ?? [], spec.env),
    labels: { ...(img.Labels ?? {}), ...spec.labels },
    exposedPorts: [...exposed],
    volumes: [...volumes],
    ...(spec.workingDir ? {} : img.WorkingDir ? { workingDir: img.WorkingDir } : {}),
    ...(spec.user ? {} : img.User ? { user: img.User } : {}),
    ...(spec.stopSignal ? {} : img.StopSignal ? { stopSignal: img.StopSignal } : {}),
    ...mergeHealthcheck(spec.healthcheck, img.Healthcheck),
  };
  return { spec: merged, path, args: argv.slice(1) };
}

/** docker's merge: the image's HEALTHCHECK fills what the user's healthcheck leaves unset (a test, an interval…). */
function mergeHealthcheck(user: ContainerSpec['healthcheck'], img: OciContainerConfig['Healthcheck']): { healthcheck?: NonNullable<ContainerSpec['healthcheck']> } {
  if (!img) return user ? { healthcheck: user } : {};
  const base = healthOf(img);
  if (!user) return img.Test ? { healthcheck: base } : {};
  const pick = (a: number | undefined, b: number | undefined) => (a !== undefined && a !== 0 ? a : b);
  const intervalNs = pick(user.intervalNs, base.intervalNs);
  const timeoutNs = pick(user.timeoutNs, base.timeoutNs);
  const startPeriodNs = pick(user.startPeriodNs, base.startPeriodNs);
  const retries = pick(user.retries, base.retries);
  return {
    healthcheck: {
      test: user.test.length > 0 ? user.test : base.test,
      ...(intervalNs !== undefined ? { intervalNs } : {}),
      ...(timeoutNs !== undefined ? { timeoutNs } : {}),
      ...(startPeriodNs !== undefined ? { startPeriodNs } : {}),
      ...(retries !== undefined ? { retries } : {}),
    },
  };
}

function healthOf(h: NonNullable<OciContainerConfig['Healthcheck']>): NonNullable<ContainerSpec['healthcheck']> {
  return {
    test: h.Test ?? [],
    ...(h.Interval !== undefined ? { intervalNs: h.Interval } : {}),
    ...(h.Timeout !== undefined ? { timeoutNs: h.Timeout } : {}),
    ...(h.StartPeriod !== undefined ? { startPeriodNs: h.StartPeriod } : {}),
    ...(h.Retries !== undefined ? { retries: h.Retries } : {}),
  };
}

// How the CRI's objects live on engine containers (as dockershim kept them on
// docker's): a pod sandbox is its infra container, a CRI container an engine
// container; the CRI's metadata, labels, annotations and the sandbox's own
// settings ride along as labels under `io.berth.cri.`. The user's labels are
// also set as plain labels, so `berth ps --filter label=…` sees them.
import { invalidArgument } from '../core/errors.ts';

export const labelKeys = {
  kind: 'io.berth.cri.kind',
  sandboxId: 'io.berth.cri.sandbox-id',
  metadata: 'io.berth.cri.metadata',
  labels: 'io.berth.cri.labels',
  annotations: 'io.berth.cri.annotations',
  /** Sandboxes: what PodSandboxStatus and the pod's containers need of its config. */
  sandbox: 'io.berth.cri.sandbox',
  /** Containers: the image as the CreateContainer request named it. */
  image: 'io.berth.cri.image',
} as const;

export type CriKind = 'sandbox' | 'container';

/** What a sandbox's containers and its status need of its config, kept on the infra container. */
export interface SandboxFacts {
  readonly hostname: string;
  readonly logDirectory: string;
  /** The pod's netns path; '' with the host's network. */
  readonly netns: string;
  /** Id of the pod's network (CNI's container id) for tear-down; '' with the host's network. */
  readonly networkId: string;
  readonly hostNetwork: boolean;
  readonly hostIpc: boolean;
  readonly hostPid: boolean;
  readonly namespaceOptions: Readonly<Record<string, unknown>>;
  readonly cgroupParent: string;
  readonly runtimeHandler: string;
  readonly dns: { readonly servers: readonly string[]; readonly searches: readonly string[]; readonly options: readonly string[] };
}

export function criLabels(kind: CriKind, fields: { metadata: object; labels: Readonly<Record<string, string>>; annotations: Readonly<Record<string, string>>; extra?: Readonly<Record<string, string>> }): Record<string, string> {
  for (const k of Object.keys(fields.labels)) if (k.startsWith('io.berth.cri.')) throw invalidArgument(`label "${k}" is reserved for berth`);
  return {
    ...fields.labels,
    [labelKeys.kind]: kind,
    [labelKeys.metadata]: JSON.stringify(fields.metadata),
    [labelKeys.labels]: JSON.stringify(fields.labels),
    [labelKeys.annotations]: JSON.stringify(fields.annotations),
    ...(fields.extra ?? {}),
  };
}

export function jsonLabel<T>(labels: Readonly<Record<string, string>>, key: string, fallback: T): T {
  const text = labels[key];
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Engine times (RFC 3339 with up to nanoseconds) as the CRI's int64 nanoseconds since the epoch, as a decimal string; 0 for docker's zero time. */
export function unixNanos(time: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return '0';
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(seconds) || seconds <= 0) return '0';
  const frac = BigInt(((m[2] ?? '') + '000000000').slice(0, 9));
  return (BigInt(seconds) * 1_000_000n + frac).toString();
}

/** A CRI label selector: every key=value must be among the labels. */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

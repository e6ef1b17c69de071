// What the OCI runtime can do beyond the basics, asked of the runtime itself
// rather than assumed: `runc features` (runc >= 1.1) and `crun features`
// (newer crun) print the runtime-spec "features" document, whose
// mountOptions name "rro" — a recursively read-only bind, which the runtime
// makes with mount_setattr(AT_RECURSIVE, MOUNT_ATTR_RDONLY) and which the
// kernel has from 5.12 on (containerd's CRI asks the same two questions).
// crun before `features` existed (Debian 12's 1.8.1) has the option since
// 1.4 (containers/crun#778), so its version answers there.
import { release } from 'node:os';
import { runTool } from '../lib/run-tool.ts';
import type { RuntimeBinary } from './types.ts';

export interface RuntimeFeatures {
  /** The mount options the runtime's `features` lists; undefined when it has no `features` command. */
  readonly mountOptions?: readonly string[];
  /** Recursive read-only binds (`rro`): the runtime knows the option and the kernel has mount_setattr. */
  readonly recursiveReadOnlyMounts: boolean;
}

/** Whether a kernel release (`uname -r`, e.g. `6.18.44-fc`) is at least major.minor. */
export function kernelAtLeast(kernelRelease: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/** The mount options of a runtime-spec features document (`runc features`); undefined when it is not one. */
export function mountOptionsOf(featuresJson: string): string[] | undefined {
  try {
    const doc = JSON.parse(featuresJson) as { mountOptions?: unknown };
    return Array.isArray(doc.mountOptions) ? doc.mountOptions.filter((o): o is string => typeof o === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** crun's version from `crun --version` (`crun version 1.8.1`), as [major, minor]; undefined for another program. */
function crunVersion(versionText: string): [number, number] | undefined {
  const m = /^crun version (\d+)\.(\d+)/m.exec(versionText);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * The features from what the runtime answered: `features` output (undefined
 * when the command failed), `--version` output (for crun without `features`)
 * and the kernel release.
 */
export function featuresFrom(answers: { features: string | undefined; version: string; kernel: string }): RuntimeFeatures {
  const mountOptions = answers.features === undefined ? undefined : mountOptionsOf(answers.features);
  let rro = mountOptions?.includes('rro') ?? false;
  if (mountOptions === undefined) {
    const crun = crunVersion(answers.version);
    rro = crun !== undefined && (crun[0] > 1 || crun[1] >= 4);
  }
  return {
    ...(mountOptions !== undefined ? { mountOptions } : {}),
    recursiveReadOnlyMounts: rro && kernelAtLeast(answers.kernel, 5, 12),
  };
}

/** Asks the runtime binary (and the kernel) what it supports. */
export async function runtimeFeatures(binary: RuntimeBinary): Promise<RuntimeFeatures> {
  const features = await runTool(binary.path, ['features']).catch(() => undefined);
  const version = features === undefined ? await runTool(binary.path, ['--version']).catch(() => '') : '';
  return featuresFrom({ features, version, kernel: release() });
}

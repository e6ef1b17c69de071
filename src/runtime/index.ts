// runtime: turning a container into an OCI bundle (buildSpec, resolveUser) and
// running it under conmon + an OCI runtime (crun or runc), plus reading its log.
export type * from './types.ts';
export { buildSpec, specToJson, defaultMaskedPaths, defaultReadonlyPaths } from './spec.ts';
export type { BuildSpecHost } from './spec.ts';
export { resolveUser, resolveInRoot, type RootFileReader } from './user.ts';
export { detectRuntime, findExecutable, crunSupports } from './detect.ts';
export { runtimeFeatures, type RuntimeFeatures } from './features.ts';
export { cgroupInfo } from './cgroups.ts';
export { holdCgroupAttachWarm } from './attach-warmup.ts';
export type { CgroupInfo } from './cgroups.ts';
export { createConmonRuntime, isLiveConmon } from './conmon-runtime.ts';
export type { ConmonRuntime, ConmonRuntimeOptions, ConmonPaths } from './conmon-runtime.ts';
export { classifyStartError, runtimeErrorMessage } from './start-error.ts';
export type { StartErrorCode } from './start-error.ts';
export { readLogs, readLogFiles, openLogFiles, readOpenedLogFiles, parseK8sLine, timeToSeconds } from './k8s-log.ts';
export type { OpenedLogFiles } from './k8s-log.ts';
export { defaultCapabilities, tweakCapabilities, hostCapabilities } from './capabilities.ts';
export { convertSeccompProfile, loadSeccompProfile, defaultSeccompProfilePath, dockerSeccompProfilePath } from './seccomp.ts';
export { buildRlimits, ownLimits, RLIM_UNLIMITED } from './rlimits.ts';
export { connectAttach, resizeTerminal } from './conmon-attach.ts';
export type { AttachConnection, OutputStream } from './conmon-attach.ts';
export { startConmonExec } from './conmon-exec.ts';
export type { ExecProcess, ExecProcessOptions } from './conmon-exec.ts';
export * from './cgroup-stats.ts';

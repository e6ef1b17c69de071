// engine: the one service layer (containers, images, system) that api/ calls.
export type * from './types.ts';
export { apiVersion, minApiVersion, serverVersion } from './system.ts';
export type { ContainerAttachment, OutputChunk } from './attach-session.ts';
export { endpointSpecOf, networksOf, primaryNetwork } from './container/network.ts';
export type { NetworkInfo, NetworkService } from './networks.ts';
export type { ExecInstance, ExecService, ExecSpec } from './execs.ts';
export type { TopResult } from './container/top.ts';
export type { Engine } from './engine-services.ts';
export type { StatsSample } from './stats.ts';
export type { FileService } from './container/files.ts';
export type { PathStat } from './container/archive.ts';
export type { ContainerUpdate } from './container/update.ts';
export { eventJsonText, parseEventTime, unknownEventFilter } from './events.ts';
// The service classes and factories, for the composition root (daemon/compose-engine.ts).
export { LocalContainers } from './container/service.ts';
export { ContainerRegistry } from './container/registry.ts';
export { healthRecorder } from './container/health-record.ts';
export { HealthMonitor } from './container/health.ts';
export { execProbeRunner } from './container/health-probe.ts';
export { ContainerMounts } from './container/mounts.ts';
export { LogRotator } from './container/log-rotation.ts';
export { LocalFileService } from './container/files.ts';
export { LocalExecService } from './execs.ts';
export { LocalVolumeService } from './volumes.ts';
export { LocalImageService } from './images.ts';
export { LocalSystemService } from './system.ts';
export { LocalRegistryService } from './registry-service.ts';
export { LocalNetworkService } from './networks.ts';
export { EventBus } from './events.ts';
export { StatsService } from './stats.ts';
export { PruneService } from './prune.ts';
export { publishContainerEvents, publishExecEvents, publishFileEvents, publishImageEvents, publishNetworkEvents, publishRegistryEvents, publishVolumeEvents } from './event-publishing.ts';
// Types and errors of the modules under the engine that front doors see in the
// engine's answers (images, volumes, registry credentials, build failures).
export type { Image, HistoryEntry, OciContainerConfig } from '../image/index.ts';
export type { Volume } from '../volume/index.ts';
export type { Credentials } from '../registry/index.ts';
export { StepFailedError, failedStep } from '../build/index.ts';
export type { BuildOptions } from '../build/index.ts';

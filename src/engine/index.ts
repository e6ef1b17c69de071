// engine: the one service layer (containers, images, system) that api/ calls.
export type * from './types.ts';
export { apiVersion, defaultCgroupnsMode, minApiVersion, runcAliases, serverVersion } from './system/system.ts';
export type { ContainerAttachment, OutputChunk } from './container/attach-session.ts';
export { endpointSpecOf, networksOf, primaryNetwork } from './container/network.ts';
export type { NetworkInfo, NetworkService } from './network/networks.ts';
export type { ExecInstance, ExecService, ExecSpec } from './exec/execs.ts';
export type { TopResult } from './container/top.ts';
export type { Engine } from './engine-services.ts';
export type { StatsSample } from './system/stats.ts';
export { cgroupLocation, type CgroupLocation } from './system/cgroup-location.ts';
export type { FileService } from './container/files.ts';
export type { PathStat } from './container/archive.ts';
export type { ContainerUpdate } from './container/update.ts';
export { parseEventTime, unknownEventFilter, type EngineEvent } from './events/events.ts';
// The service classes and factories, for the composition root (daemon/compose-engine.ts).
export { LocalContainers } from './container/service.ts';
export { ContainerRegistry } from './container/registry.ts';
export { healthRecorder } from './container/health-record.ts';
export { HealthMonitor } from './container/health.ts';
export { execProbeRunner } from './container/health-probe.ts';
export { ContainerMounts } from './container/mounts.ts';
export { ImageMountError, ImageMounts, isImageMountError } from './container/image-mounts.ts';
export { LogRotator } from './container/log-rotator.ts';
export { LogReopener } from './container/log-reopener.ts';
export { LocalFileService } from './container/files.ts';
export { LocalExecService } from './exec/execs.ts';
export { LocalVolumeService } from './volume/volumes.ts';
export { LocalImageService } from './image/images.ts';
export { LocalSystemService } from './system/system.ts';
export { LocalRegistryService } from './image/registry-service.ts';
export { LocalNetworkService } from './network/networks.ts';
export { EventBus } from './events/events.ts';
export { StatsService } from './system/stats.ts';
export { PruneService } from './system/prune.ts';
export { publishContainerEvents, publishExecEvents, publishFileEvents } from './events/container-events.ts';
export { publishImageEvents, publishNetworkEvents, publishRegistryEvents, publishVolumeEvents } from './events/object-events.ts';
// Types and errors of the modules under the engine that front doors see in the
// engine's answers (images, volumes, registry credentials, build failures).
export type { Image, HistoryEntry, OciContainerConfig } from '../image/index.ts';
export type { Volume } from '../volume/index.ts';
export type { Credentials } from '../registry/index.ts';
export type { PodNetworking, PodNetworkStatus, PodPortMapping } from '../network/index.ts';
export { StepFailedError, failedStep } from '../build/index.ts';
export type { BuildOptions } from '../build/index.ts';

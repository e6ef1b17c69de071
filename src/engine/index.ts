// engine: the one service layer (containers, images, system) that api/ calls.
export type * from './types.ts';
export { createEngine, type EngineOptions } from './engine.ts';
export { apiVersion, defaultCgroupnsMode, minApiVersion, serverVersion } from './system.ts';
export type { ContainerAttachment, OutputChunk } from './attach-session.ts';
export { endpointSpecOf, networksOf, primaryNetwork } from './container-network.ts';
export type { NetworkInfo, NetworkService } from './networks.ts';
export type { ExecInstance, ExecService, ExecSpec } from './execs.ts';
export type { TopResult } from './top.ts';
export type { Engine } from './engine-services.ts';
export type { StatsSample, StatsService } from './stats.ts';
export type { FileService } from './container-files.ts';
export type { PathStat } from './container-archive.ts';
export type { ContainerUpdate } from './container-update.ts';
export { eventJsonText, parseEventTime, unknownEventFilter, type EventBus } from './events.ts';
// Types and errors of the modules under the engine that front doors see in the
// engine's answers (images, volumes, registry credentials, build failures).
export type { Image, HistoryEntry, OciContainerConfig } from '../image/index.ts';
export type { Volume } from '../volume/index.ts';
export type { Credentials } from '../registry/index.ts';
export { StepFailedError, failedStep } from '../build/index.ts';
export type { BuildOptions } from '../build/index.ts';

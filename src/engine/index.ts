// engine: the one service layer (containers, images, system) that api/ calls.
export type * from './types.ts';
export { createEngine, type EngineOptions } from './engine.ts';
export { apiVersion, minApiVersion, serverVersion } from './system.ts';
export type { ContainerAttachment, OutputChunk } from './attach-session.ts';
export { endpointSpecOf, networksOf, primaryNetwork } from './container-network.ts';
export type { NetworkInfo, NetworkService } from './networks.ts';
export type { ExecInstance, ExecService, ExecSpec } from './execs.ts';
export type { TopResult } from './top.ts';

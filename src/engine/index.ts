// engine: the one service layer (containers, images, system) that api/ calls.
export type * from './types.ts';
export { createEngine, type EngineOptions } from './engine.ts';
export { apiVersion, minApiVersion, serverVersion } from './system.ts';

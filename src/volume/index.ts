// volume: named and anonymous volumes (the local driver), parsing and
// validation of bind/volume/tmpfs mounts, and copy-up of image content.
export * from './types.ts';
export * from './mount-parse.ts';
export * from './local-volumes.ts';
export * from './copy-up.ts';
export type * from './roles.ts';

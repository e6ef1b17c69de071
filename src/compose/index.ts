// compose: the public surface of the compose client (loading a project and the
// command line shared by `berth compose` and `berth-compose`).
export { composeMain } from './main.ts';
export { composeProgram } from './program.ts';
export type { ComposeHooks } from './program.ts';
export { loadProject, normaliseProjectName } from './load.ts';
export type { LoadOptions } from './load.ts';
export type { Project, ServiceConfig } from './model.ts';
export { interpolateString, parseDotEnv } from './interpolate.ts';

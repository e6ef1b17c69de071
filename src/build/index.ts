// build: Dockerfile builds — the context, the stage graph, the cache and
// runBuild, which runs each stage's steps (./steps/) through the engine's
// containers and commits layers through the image store. The parser lives
// in ./parser/.
export { createBuildService, type BuildService, type BuildOptions } from './service.ts';
export { runBuild } from './run-build.ts';
export type { BuildDeps, BuildRequest, BuildResult, BuildEmit } from './build-request.ts';
export { StepFailedError, failedStep } from './step-error.ts';
export type { BuildContainers } from './run-step.ts';
export { receiveContext, type BuildContext } from './context.ts';
export { planStages, stageDependencies } from './stage-graph.ts';
export { ImageParents } from './image-parents.ts';

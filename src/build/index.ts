// build: Dockerfile builds — the context, the stage graph, the cache and the
// executor that runs RUN steps through the engine's containers and commits
// layers through the image store. The parser lives in ./parser/.
export { createBuildService, type BuildService, type BuildOptions } from './service.ts';
export { runBuild, StepFailedError, failedStep, type BuildDeps, type BuildRequest, type BuildResult, type BuildEmit } from './executor.ts';
export type { BuildContainers } from './run-step.ts';
export { extractContext, type BuildContext } from './context.ts';
export { planStages, stageDependencies } from './stage-graph.ts';
export { ImageParents } from './image-parents.ts';

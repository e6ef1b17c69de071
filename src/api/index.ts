// api: the Docker Engine API server over berth's engine.
export { createApiServer, buildRouter, type ApiServer } from './server.ts';
export { statusOf } from './error-status.ts';
export { frame, deframe } from './mux.ts';
export { maxApiVersion, minApiVersion } from './version.ts';
export { socketGid, defaultSocketGroup } from './unix-listen.ts';

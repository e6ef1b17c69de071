// client: the public surface of berth's Docker Engine API client.
export { EngineClient, apiVersion, isConnectError } from './engine-client.ts';
export { unixRequest } from './unix-http.ts';
export type { UnixRequest, UnixResponse } from './unix-http.ts';
export type { AttachOptions, ClientOptions, ExecCreateBody, HijackedStream, LogsOptions, QueryValue, RequestOptions } from './engine-client.ts';
export { contextName, dockerConfigDir, resolveHost, type HostChoice } from './docker-context.ts';
export { defaultSocketPath, resolveDaemonAddress } from './docker-host.ts';
export type { DaemonAddress } from './docker-host.ts';
export { errorFromResponse, kindForStatus } from './errors-from-status.ts';
export { encodeFrame, readFrames, StreamType } from './multiplex.ts';
export type { Frame, StreamTypeCode } from './multiplex.ts';
export { readJsonMessages } from './json-stream.ts';
export type { JsonMessage } from './json-stream.ts';
export type * from './types.ts';

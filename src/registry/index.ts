// registry: the OCI distribution client (resolve, fetch, push, token and basic
// auth, credentials, mirrors, retries). It yields blobs; engine/ stores them.
export type * from './types.ts';
export { createRegistryClient, type RegistryClientDeps } from './registry-client.ts';
export { isLoopbackHost, registryHostOf } from './registry-endpoints.ts';
export { parseManifest, selectManifest, parsePlatform, formatPlatform, hostPlatform, platformMatches, manifestMediaTypes } from './manifest.ts';
export { parseChallenges, type Challenge } from './auth-challenge.ts';

// The CRI front door: a gRPC server (grpc-js, the proto loaded at start by
// proto-loader from k8s.io/cri-api's api.proto) on a unix socket, serving
// runtime.v1.RuntimeService and runtime.v1.ImageService. Each handler turns
// the request into engine calls (engine/index.ts only, as api/ does) and the
// engine's answer into the CRI's messages; methods without a handler answer
// UNIMPLEMENTED, which kubelet and crictl understand.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Engine } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';
import { grpcStatusOf } from './grpc-status.ts';
import type { Handler } from './handler.ts';
import { imageHandlers } from './images.ts';
import { runtimeHandlers } from './runtime-service.ts';
import { StreamingServer } from './streaming/server.ts';

export interface CriServerOptions {
  readonly engine: Engine;
  readonly log: Logger;
}

export interface CriServer {
  listenUnix(path: string): Promise<void>;
  close(): Promise<void>;
}

/** api.proto next to this file (from source), or copied beside the bundle by scripts/build.mjs (dist/). */
function protoPath(): string {
  const candidates = ['./proto/api.proto', './cri/api.proto'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`api.proto not found (looked at ${candidates.join(', ')})`);
  return found;
}

function loadServices(): { runtime: grpc.ServiceDefinition; image: grpc.ServiceDefinition } {
  const def = protoLoader.loadSync(protoPath(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, { service: grpc.ServiceDefinition }> } };
  const runtime = pkg.runtime.v1['RuntimeService'];
  const image = pkg.runtime.v1['ImageService'];
  if (!runtime || !image) throw new Error('api.proto has no runtime.v1 RuntimeService and ImageService');
  return { runtime: runtime.service, image: image.service };
}

function implementation(service: grpc.ServiceDefinition, handlers: Readonly<Record<string, Handler>>, log: Logger): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) {
    const handler = handlers[name];
    if (handler === undefined) continue;
    impl[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      handler(call.request as never).then(
        (response) => callback(null, response),
        (err: unknown) => {
          const st = grpcStatusOf(err);
          log.debug('CRI call failed', { method: name, code: st.code, err: st.details });
          callback({ code: st.code, details: st.details });
        },
      );
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  return impl;
}

export function createCriServer(options: CriServerOptions): CriServer {
  const services = loadServices();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024, 'grpc.max_send_message_length': 16 * 1024 * 1024 });
  const streaming = new StreamingServer({ engine: options.engine, log: options.log });
  server.addService(services.runtime, implementation(services.runtime, runtimeHandlers({ ...options, streaming }), options.log));
  server.addService(services.image, implementation(services.image, imageHandlers(options.engine), options.log));
  return {
    async listenUnix(path: string): Promise<void> {
      await streaming.listen();
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      // A socket left by a berthd that died; the pid file guarantees no live one owns it.
      await rm(path, { force: true });
      // Made in a fresh 0700 directory, given its mode there and only then renamed into place:
      // no client ever sees the socket wider than 0660 (as the API socket, docs/security.md).
      const staging = await mkdtemp(join(dirname(path), '.cri-sock-'));
      try {
        const staged = join(staging, 'cri.sock');
        await new Promise<void>((resolve, reject) => {
          server.bindAsync(`unix://${staged}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
        });
        await chmod(staged, 0o660);
        await rename(staged, path);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
    async close(): Promise<void> {
      await streaming.close();
      await new Promise<void>((resolve) => {
        // Streams in flight (none yet) would hold a graceful shutdown: give it a moment, then force.
        const timer = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

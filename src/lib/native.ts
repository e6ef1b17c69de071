// berth's own N-API addon (native/berth-native.c, built by scripts/build-native
// during `npm run build`): the system calls Node does not offer — sockets made
// inside another network namespace, and SOCK_SEQPACKET unix sockets. berthd
// loads it at start-up (loadNative), so a missing or broken addon stops berthd
// with a clear message instead of failing a later request.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A readiness watcher on Node's event loop (uv_poll) for one descriptor. */
export type WatchHandle = { readonly __brand: 'berth-native watch handle' };

/** The addon's functions; each throws an Error whose `code` is the errno name. */
export interface NativeAddon {
  /** A bound UDP socket and a bound, listening TCP socket on addr:port inside the network namespace at netnsPath. */
  socketsInNetns(netnsPath: string, addr: string, port: number): { udpFd: number; tcpFd: number };
  /** An unconnected non-blocking TCP socket (IPv4 or IPv6) made inside the network namespace at netnsPath: it reaches only what that namespace reaches. */
  tcpSocketInNetns(netnsPath: string, family: 4 | 6): number;
  /** A connected non-blocking SOCK_SEQPACKET socket; EAGAIN when the listener's backlog is full. */
  seqpacketConnect(path: string): number;
  /** A listening non-blocking SOCK_SEQPACKET socket bound to path. */
  seqpacketListen(path: string, backlog: number): number;
  /** An accepted connection, or undefined when none waits. */
  seqpacketAccept(fd: number): number | undefined;
  /** One packet, null at end of stream, undefined when none waits. */
  recvPacket(fd: number): Buffer | null | undefined;
  /** True when sent as one packet, false when the socket is full. */
  sendPacket(fd: number, data: Buffer): boolean;
  shutdownWrite(fd: number): void;
  closeFd(fd: number): void;
  /** Calls fn(errorCode | null, readable, writable) on the event loop for what watchSet asks. */
  watch(fd: number, fn: (err: string | null, readable: boolean, writable: boolean) => void): WatchHandle;
  watchSet(handle: WatchHandle, readable: boolean, writable: boolean): void;
  /** Stops and frees the watcher; call before closing its descriptor. */
  unwatch(handle: WatchHandle): void;
  /** glibc's malloc_trim(0): returns the arenas' free pages to the kernel; true when some memory was released. */
  mallocTrim(): boolean;
  /**
   * V8's memory-reducing collection (v8::Isolate::LowMemoryNotification: full collections in reduce-memory
   * mode, compacting what is worth it, freed pages unmapped before it returns); false when this Node does
   * not export it, and nothing was done.
   */
  lowMemoryNotification(): boolean;
  /** mount(2) of an overlay (`data`: its options) on target, on libuv's thread pool. */
  mountOverlay(target: string, data: string): Promise<void>;
  /** umount2(2) of target (MNT_DETACH when `detach`), on libuv's thread pool. */
  umount(target: string, detach: boolean): Promise<void>;
}

const relativePath = join('native', 'build', 'berth-native.node');
let addon: NativeAddon | undefined;

/** The addon file: found upward from this module (src/lib/ in development, dist/ once bundled). */
export function nativeAddonPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  return undefined;
}

/** The addon when it is built and loads (berthd loads it at start); undefined otherwise (unit tests without a build). */
export function nativeIfBuilt(): NativeAddon | undefined {
  if (addon) return addon;
  if (!nativeAddonPath()) return undefined;
  try {
    return loadNative();
  } catch {
    return undefined;
  }
}

/** Loads the addon once; throws a message saying how to build it when it is missing or does not load. */
export function loadNative(): NativeAddon {
  if (addon) return addon;
  const path = nativeAddonPath();
  if (!path) throw new Error(`berth's native addon (${relativePath}) is missing: build it with scripts/build-native (npm run build runs it; it needs a C compiler and Node's headers)`);
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    throw new Error(`berth's native addon ${path} does not load: ${err instanceof Error ? err.message : String(err)}; rebuild it with scripts/build-native --force`);
  }
  return addon;
}

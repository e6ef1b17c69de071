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
  /** pipe2(2) with O_CLOEXEC: [readFd, writeFd], its buffer asked to hold `size` bytes (F_SETPIPE_SZ; the default when refused). */
  pipe(size: number): [number, number];
  /** syncfs(2) of the file system holding `path`, on libuv's thread pool. */
  syncFs(path: string): Promise<void>;
  /**
   * posix_spawn(3) of `file` (an absolute path) with a pidfd (native/spawn.c): stdio has one entry per
   * child fd, -1 for /dev/null and -2 for a pipe whose parent end comes back in `fds`. Optional: an
   * addon built before it lacks it (lib/spawn-light.ts then uses child_process).
   */
  spawn?(file: string, argv: readonly string[], envp: readonly string[] | null, cwd: string | null, stdio: readonly number[], setsid: boolean): { pid: number; pidfd: number; fds: number[] };
  /** Sends `signal` to pid through a pidfd only while it is the process that started at `startTime` (/proc/<pid>/stat field 22); false when that one is gone. Optional (older builds). */
  signalProcess?(pid: number, startTime: number, signal: number): boolean;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot), 0 when it is gone. Optional (older builds). */
  processStartTime?(pid: number): number;
  /**
   * A new network namespace bind-mounted on the existing file at path, made on libuv's thread pool
   * (optional: older builds lack it); with `loopbackUp` its lo is set up first and it resolves with
   * true (builds before that resolve with undefined and leave lo down).
   */
  netnsCreate?(path: string, loopbackUp?: boolean): Promise<boolean | undefined>;
  /**
   * While any hold is taken, the addon's own thread writes "0" to `path` (berthd's own cgroup.procs)
   * every 3 ms, keeping the kernel's cgroup attach lock ready (native/cgroup-warm.c). Optional (older builds).
   */
  cgroupWarmHold?(path: string): void;
  /** Gives back one hold of cgroupWarmHold. */
  cgroupWarmRelease?(): void;
  /** waitid(P_PIDFD) of a process whose pidfd polled readable, on libuv's thread pool; the pidfd is closed. Optional (older builds). */
  reapAsync?(pidfd: number): Promise<{ code: number | null; signal: number | null }>;
  /** waitid(P_PIDFD, WNOHANG): undefined while the process runs, else its exit (the pidfd is closed then). */
  reap?(pidfd: number): { code: number | null; signal: number | null } | undefined;
  /** Whether a system call of the x32 ABI works on this kernel (made in a forked child; false off x86-64). Optional (older builds). */
  x32Syscalls?(): boolean;
  /** Directories, files and links made in order in one job on libuv's thread pool (native/fs-batch.c; lib/fs-batch.ts). Optional (older builds). */
  fsBatch?(ops: readonly (readonly unknown[])[]): Promise<void>;
  /** The regular file at path inside root, the kernel resolving the path there (openat2 RESOLVE_IN_ROOT; native/read-in-root.c). Optional (older builds). */
  readInRoot?(root: string, path: string, maxBytes: number): Promise<Buffer>;
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
  let loaded: NativeAddon;
  try {
    loaded = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    throw new Error(`berth's native addon ${path} does not load: ${err instanceof Error ? err.message : String(err)}; rebuild it with scripts/build-native --force`);
  }
  // An addon built from an older berth-native.c lacks what this berthd calls (the idle trim's
  // lowMemoryNotification, from a timer, would take the daemon down): refuse it at start.
  const missing = addonFunctions.filter((name) => typeof loaded[name] !== 'function');
  if (missing.length > 0) throw new Error(`berth's native addon ${path} is older than this berth (no ${missing.join(', ')}): rebuild it with scripts/build-native --force`);
  addon = loaded;
  return addon;
}

/** The functions of NativeAddon that are not optional (an optional one has a fallback where it is missing). */
type RequiredFunction = { [K in keyof NativeAddon]-?: object extends Pick<NativeAddon, K> ? never : K }[keyof NativeAddon];

/** Every function of the addon that berth needs (the compiler checks the list against NativeAddon's required ones). */
const addonFunctions = Object.keys({
  socketsInNetns: true,
  tcpSocketInNetns: true,
  seqpacketConnect: true,
  seqpacketListen: true,
  seqpacketAccept: true,
  recvPacket: true,
  sendPacket: true,
  shutdownWrite: true,
  closeFd: true,
  watch: true,
  watchSet: true,
  unwatch: true,
  mallocTrim: true,
  lowMemoryNotification: true,
  mountOverlay: true,
  umount: true,
  pipe: true,
  syncFs: true,
} satisfies Record<RequiredFunction, true>) as RequiredFunction[];

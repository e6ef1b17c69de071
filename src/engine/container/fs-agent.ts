// The client of berth-fs-agent (native/fs-agent/fs-agent.c): a helper process
// that sits inside a container's root (the container's mount namespace, or a
// private one with its volumes bound, chrooted there) and does cp's
// filesystem calls on request, so that the kernel resolves every path with
// the container's root as `/`. berthd never opens a path of a container's
// filesystem from the host for cp: a container racing symlinks can only lead
// the calls to its own files (docs/security.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { internal } from '../../core/errors.ts';

/** What lstat/stat answer inside the root. */
export interface EntryStat {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly size: number;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly rdev: number;
  readonly mtimeNs: bigint;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFile(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/** A failed call inside the root: `code` is the errno name (ENOENT…), `reason` the C library's text, lower-cased as Go prints it. */
export class InRootError extends Error {
  override name = 'InRootError';
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly syscall: string,
    readonly path: string,
  ) {
    super(`${syscall} ${path}: ${reason}`);
  }
}

export function isInRootError(err: unknown, ...codes: string[]): err is InRootError {
  return err instanceof InRootError && (codes.length === 0 || codes.includes(err.code));
}

/**
 * The filesystem calls of one root, all made by the agent inside it. Paths are
 * absolute in the root; every call rejects with InRootError on failure.
 */
export interface InRootFs {
  lstat(path: string): Promise<EntryStat>;
  stat(path: string): Promise<EntryStat>;
  readlink(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
  /**
   * Opens a regular file (a last symlink followed only with `follow`; anything
   * but a regular file is EINVAL) and hands its stat and bytes to `fn`, which
   * must read them before it resolves.
   */
  read<T>(path: string, options: { follow?: boolean }, fn: (stat: EntryStat, chunks: AsyncIterable<Buffer>) => Promise<T>): Promise<T>;
  /** A whole (small) file, a last symlink followed. */
  readFile(path: string): Promise<Buffer>;
  mkdir(path: string, mode: number): Promise<void>;
  mkdirAll(path: string, mode: number): Promise<void>;
  /** Creates `path` (O_EXCL, never through a last symlink) holding `data`. */
  writeFile(path: string, mode: number, data: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  lchown(path: string, uid: number, gid: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  utimes(path: string, mtime: Date, options?: { follow?: boolean }): Promise<void>;
  /** os.RemoveAll: never through a symlink; a missing path is no error. */
  removeAll(path: string): Promise<void>;
}

/** How the agent finds the container's root. */
export type AgentRoot =
  /** A running container: its process's mount namespace, whose root must be `rootfs`. */
  | { readonly pid: number; readonly rootfs: string }
  /** A stopped one: `rootfs` in a private mount namespace with the binds mounted inside. */
  | { readonly rootfs: string; readonly binds: readonly { readonly source: string; readonly destination: string; readonly rw: boolean }[] };

const op = { lstat: 1, stat: 2, readlink: 3, readdir: 4, openRead: 5, mkdir: 6, mkdirAll: 7, create: 8, write: 9, close: 10, symlink: 11, link: 12, lchown: 13, chmod: 14, utimes: 15, removeAll: 16 } as const;
const followFlag = 1;
const header = 36;
const chunkSize = 64 * 1024;

const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** Where the agent binary is: $BERTH_FS_AGENT, beside the bundle (dist/), or dist/ from the sources. */
export function fsAgentPath(): string {
  const env = process.env['BERTH_FS_AGENT'];
  if (env) return env;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'berth-fs-agent'), resolve(here, '..', '..', '..', 'dist', 'berth-fs-agent')];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

/** Reads whole frames off the agent's stdout; a stream that ends mid-frame is the agent's death. */
class FrameReader {
  readonly #it: AsyncIterator<Buffer>;
  #buf: Buffer = Buffer.alloc(0);
  constructor(stream: AsyncIterable<Buffer>) {
    this.#it = stream[Symbol.asyncIterator]();
  }
  async #fill(n: number): Promise<boolean> {
    while (this.#buf.length < n) {
      const r = await this.#it.next();
      if (r.done) return false;
      this.#buf = this.#buf.length === 0 ? r.value : Buffer.concat([this.#buf, r.value]);
    }
    return true;
  }
  /** The next answer: errno (0 for success) and payload; undefined when the agent is gone. */
  async next(): Promise<{ err: number; payload: Buffer } | undefined> {
    if (!(await this.#fill(4))) return undefined;
    const len = this.#buf.readUInt32LE(0);
    if (!(await this.#fill(4 + len))) return undefined;
    const frame = this.#buf.subarray(4, 4 + len);
    this.#buf = this.#buf.subarray(4 + len);
    return { err: frame.readInt32LE(0), payload: frame.subarray(4) };
  }
}

function request(code: number, root: number, args: { p1?: Buffer | string; p2?: string; a?: number; b?: number; t1?: bigint; t2?: bigint; flags?: number }): Buffer {
  const p1 = typeof args.p1 === 'string' ? Buffer.from(args.p1) : (args.p1 ?? Buffer.alloc(0));
  const p2 = Buffer.from(args.p2 ?? '');
  const h = Buffer.alloc(4 + header);
  h.writeUInt32LE(header + p1.length + p2.length, 0);
  h.writeUInt8(code, 4);
  h.writeUInt8(root, 5);
  h.writeUInt16LE(args.flags ?? 0, 6);
  h.writeUInt32LE(p1.length, 8);
  h.writeUInt32LE(p2.length, 12);
  h.writeUInt32LE((args.a ?? 0) >>> 0, 16);
  h.writeUInt32LE((args.b ?? 0) >>> 0, 20);
  h.writeBigInt64LE(args.t1 ?? 0n, 24);
  h.writeBigInt64LE(args.t2 ?? 0n, 32);
  return Buffer.concat([h, p1, p2]);
}

const S_IFMT = 0o170000;
function entryStat(b: Buffer): EntryStat {
  const mode = b.readUInt32LE(0);
  const type = mode & S_IFMT;
  return {
    mode,
    uid: b.readUInt32LE(4),
    gid: b.readUInt32LE(8),
    nlink: b.readUInt32LE(12),
    size: Number(b.readBigInt64LE(16)),
    dev: b.readBigUInt64LE(24),
    ino: b.readBigUInt64LE(32),
    rdev: Number(b.readBigUInt64LE(40)),
    mtimeNs: b.readBigInt64LE(48) * 1_000_000_000n + b.readBigInt64LE(56),
    isDirectory: () => type === 0o040000,
    isSymbolicLink: () => type === 0o120000,
    isFile: () => type === 0o100000,
    isFIFO: () => type === 0o010000,
    isSocket: () => type === 0o140000,
    isCharacterDevice: () => type === 0o020000,
    isBlockDevice: () => type === 0o060000,
  };
}

/** One agent for one request: start() it, use .view (the container as its processes see it) and .base (its rootfs alone), close() it. */
export class FsAgent {
  readonly #child: ChildProcess;
  readonly #frames: FrameReader;
  #stderr = '';
  /** Calls go one at a time: the protocol is a strict request/answer sequence. */
  #queue: Promise<unknown> = Promise.resolve();
  #broken: Error | undefined;
  readonly view: InRootFs;
  readonly base: InRootFs;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.#stderr = (this.#stderr + s).slice(-2000);
    });
    // A write to an agent that died is reported by the next answer, not as an unhandled error.
    child.stdin?.on('error', () => undefined);
    this.#frames = new FrameReader(child.stdout as AsyncIterable<Buffer>);
    this.view = this.#fs(0);
    this.base = this.#fs(1);
  }

  static async start(root: AgentRoot, options: { binary?: string } = {}): Promise<FsAgent> {
    const binary = options.binary ?? fsAgentPath();
    if (!existsSync(binary)) throw internal(`berth's file helper is missing at ${binary}: build it with "npm run build" (scripts/build-native needs gcc and libc6-dev)`);
    const args =
      'pid' in root
        ? ['--pid', String(root.pid), '--base', root.rootfs]
        : ['--rootfs', root.rootfs, ...root.binds.flatMap((b) => ['--bind', b.source, b.destination, b.rw ? 'rw' : 'ro'])];
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new FsAgent(child);
    const spawned = new Promise<void>((ok, fail) => {
      child.once('spawn', ok);
      child.once('error', fail);
    });
    try {
      await spawned;
    } catch (err) {
      throw internal(`berth-fs-agent did not start: ${(err as Error).message}`, err);
    }
    if ((await agent.#frames.next())?.err !== 0) {
      // Its last words are on stderr, complete once it has exited.
      await agent.close();
      throw agent.#dead('start');
    }
    return agent;
  }

  /** Ends the agent (its private mounts go with it) and waits for it and its stderr. */
  async close(): Promise<void> {
    const c = this.#child;
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.stdin?.end();
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Answers nobody will read (an abandoned read) must not hold the pipe open.
    c.stdout?.destroy();
    const err = c.stderr;
    if (err && !err.destroyed) await new Promise<void>((r) => err.once('close', () => r()));
  }

  #dead(what: string): Error {
    const why = this.#stderr.trim() || `exited (${this.#child.exitCode ?? this.#child.signalCode ?? 'running'})`;
    this.#broken ??= internal(`berth-fs-agent failed during ${what}: ${why}`);
    return this.#broken;
  }

  /** Runs `fn` when the calls before it are done; it owns the pipe meanwhile. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#broken) throw this.#broken;
      return fn();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #answer(syscall: string, path: string): Promise<Buffer> {
    const a = await this.#frames.next();
    if (!a) throw this.#dead(`${syscall} ${path}`);
    if (a.err !== 0) {
      const reason = a.payload.toString();
      throw new InRootError(errnoNames.get(a.err) ?? `E${a.err}`, reason.charAt(0).toLowerCase() + reason.slice(1), syscall, path);
    }
    return a.payload;
  }

  #call(syscall: string, path: string, frame: Buffer): Promise<Buffer> {
    return this.#exclusive(async () => {
      this.#child.stdin?.write(frame);
      return this.#answer(syscall, path);
    });
  }

  #fs(root: 0 | 1): InRootFs {
    const call = (code: number, syscall: string, path: string, args: Parameters<typeof request>[2] = {}) => this.#call(syscall, path, request(code, root, { p1: path, ...args }));
    const none = async (p: Promise<Buffer>) => {
      await p;
    };
    const read: InRootFs['read'] = (path, options, fn) => fs.read(path, options, fn);
    const fs: InRootFs = {
      lstat: async (path) => entryStat(await call(op.lstat, 'lstat', path)),
      stat: async (path) => entryStat(await call(op.stat, 'stat', path)),
      readlink: async (path) => (await call(op.readlink, 'readlink', path)).toString(),
      readdir: async (path) => {
        const b = await call(op.readdir, 'open', path);
        return b.length === 0 ? [] : b.subarray(0, b.length - 1).toString().split('\0');
      },
      mkdir: (path, mode) => none(call(op.mkdir, 'mkdir', path, { a: mode })),
      mkdirAll: (path, mode) => none(call(op.mkdirAll, 'mkdir', path, { a: mode })),
      symlink: (target, path) => none(call(op.symlink, 'symlink', path, { p2: target })),
      link: (existing, path) => none(call(op.link, 'link', path, { p2: existing })),
      lchown: (path, uid, gid) => none(call(op.lchown, 'lchown', path, { a: uid, b: gid })),
      chmod: (path, mode) => none(call(op.chmod, 'chmod', path, { a: mode })),
      utimes: (path, mtime, options = {}) => {
        const ns = BigInt(mtime.getTime()) * 1_000_000n;
        return none(call(op.utimes, 'utimes', path, { t1: ns, t2: ns, flags: options.follow ? followFlag : 0 }));
      },
      removeAll: (path) => none(call(op.removeAll, 'unlinkat', path)),
      writeFile: (path, mode, data) =>
        this.#exclusive(async () => {
          const stdin = this.#child.stdin;
          if (!stdin) throw this.#dead('open');
          stdin.write(request(op.create, root, { p1: path, a: mode }));
          await this.#answer('open', path);
          for await (const chunk of data) {
            for (let i = 0; i < chunk.length; i += chunkSize) {
              // Backpressure: wait for the pipe when the agent is behind.
              if (!stdin.write(request(op.write, root, { p1: Buffer.from(chunk.subarray(i, i + chunkSize)) }))) await new Promise((r) => stdin.once('drain', r));
            }
          }
          stdin.write(request(op.close, root, {}));
          await this.#answer('write', path);
        }),
      read: (path, options, fn) =>
        this.#exclusive(async () => {
          this.#child.stdin?.write(request(op.openRead, root, { p1: path, flags: options.follow ? followFlag : 0 }));
          const stat = entryStat(await this.#answer('open', path));
          const state = { ended: false };
          try {
            return await fn(stat, this.#chunks(path, state));
          } finally {
            // A reader that stops early leaves frames in the pipe: the agent can serve no other call.
            if (!state.ended) {
              this.#broken ??= internal(`berth-fs-agent: the read of ${path} was abandoned`);
              this.#child.kill('SIGKILL');
            }
          }
        }),
      readFile: (path) =>
        read(path, { follow: true }, async (_, chunks) => {
          const parts: Buffer[] = [];
          for await (const c of chunks) parts.push(c);
          return Buffer.concat(parts);
        }),
    };
    return fs;
  }

  async *#chunks(path: string, state: { ended: boolean }): AsyncGenerator<Buffer> {
    for (;;) {
      let data: Buffer;
      try {
        data = await this.#answer('read', path);
      } catch (err) {
        // An error answer ends the agent's stream too; a dead agent needs no draining.
        state.ended = true;
        throw err;
      }
      if (data.length === 0) {
        state.ended = true;
        return;
      }
      yield Buffer.from(data);
    }
  }
}

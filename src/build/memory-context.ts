// A small build context held in memory: the tree that unpacking its tar
// would write (image/unpack-layer.ts), built from the tar's entries as they
// arrive, with the lookups of ./context-fs.ts on it. A fully cached rebuild
// then finds its Dockerfile and hashes its COPY sources without writing the
// context to disk and reading it back; a step that needs the files on disk
// (a COPY that missed the cache) has the same tar unpacked then.
//
// The tree is what the unpacker leaves on disk — the same names, types,
// modes, owners, sizes, contents and link targets — so a COPY source hashes
// the same either way (copy.ts). The unpacker's rules it follows: an entry
// replaces what is at its path unless both are directories (a later directory
// entry's metadata wins); missing parents are made as mkdir(0755) makes them;
// a hardlink is the same file as its target. A tar outside what this models
// (devices, fifos, whiteout names, xattrs, paths that climb out, symlinked or
// non-directory parents, hardlinks to nothing or to a directory, unknown
// entry types) sets `unusual`, and the caller unpacks it to disk instead, so
// the unpacker's own rules and errors apply.
import { posix } from 'node:path';
import { cleanComponents, dirModeAtMkdir, unpackedOwner, type TarEntry, type TarSink } from '../image/index.ts';
import { invalidArgument } from '../core/errors.ts';
import { isSymlinkLoop, resolvePathInRoot } from '../lib/in-root-path.ts';
import { fsError, type SourceFs, type SourceStat } from './context-fs.ts';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
/** As the kernel: a path with more symlinks than this fails with ELOOP. */
const maxLinks = 40;

interface Node {
  mode: number;
  uid: number;
  gid: number;
  /** Directory entries. */
  readonly children?: Map<string, Node>;
  /** A file's content (views into the received chunks). */
  readonly data?: Buffer[];
  size: number;
  /** A symlink's target. */
  readonly target?: string;
}

class NodeStat implements SourceStat {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  constructor(n: Node) {
    this.mode = n.mode;
    this.uid = n.uid;
    this.gid = n.gid;
    this.size = n.size;
  }
  isDirectory(): boolean {
    return (this.mode & 0o170000) === S_IFDIR;
  }
  isFile(): boolean {
    return (this.mode & 0o170000) === S_IFREG;
  }
  isSymbolicLink(): boolean {
    return (this.mode & 0o170000) === S_IFLNK;
  }
}

const segments = (p: string): string[] => p.split('/').filter((s) => s !== '' && s !== '.');

/** The context's tree, filled from the tar's entries (a TarSink), read as a SourceFs with root `/`. */
export class MemoryTree implements TarSink, SourceFs {
  readonly #root: Node;
  /** The regular file whose content comes next. */
  #file: Node | undefined;
  /** In-root paths removed from the tree after it was read (to remove from its copy on disk too). */
  readonly removed: string[] = [];
  /** Set when the tar holds something this tree does not model: unpack it to disk instead. */
  unusual: string | undefined;

  constructor() {
    const { uid, gid } = unpackedOwner(0, 0);
    this.#root = { mode: S_IFDIR | dirModeAtMkdir, uid, gid, children: new Map(), size: 4096 };
  }

  #give(reason: string): void {
    this.unusual ??= reason;
  }

  /** The parent directory of `comps` (made when missing); undefined when the unpacker would refuse it. */
  #parent(comps: readonly string[]): Node | undefined {
    let dir = this.#root;
    for (let i = 0; i < comps.length - 1; i++) {
      const name = comps[i] as string;
      let next = dir.children?.get(name);
      if (next === undefined) {
        const { uid, gid } = unpackedOwner(0, 0);
        next = { mode: S_IFDIR | dirModeAtMkdir, uid, gid, children: new Map(), size: 4096 };
        dir.children?.set(name, next);
      } else if (next.children === undefined) {
        return undefined;
      }
      dir = next;
    }
    return dir;
  }

  entry(h: TarEntry): void {
    this.#file = undefined;
    if (this.unusual !== undefined) return;
    let comps: string[];
    try {
      comps = cleanComponents(h.name);
    } catch {
      return this.#give('a path that climbs out');
    }
    if (h.xattrs.size > 0) return this.#give('extended attributes');
    const base = comps[comps.length - 1];
    if (base?.startsWith('.wh.')) return this.#give('a whiteout name');
    const perm = h.mode & 0o7777;
    const { uid, gid } = unpackedOwner(h.uid, h.gid);
    if (base === undefined) {
      // The root itself: only a directory entry, which sets its metadata.
      if (h.type !== 'directory') return this.#give('the root as a non-directory');
      Object.assign(this.#root, { mode: S_IFDIR | perm, uid, gid });
      return;
    }
    const parent = this.#parent(comps);
    const children = parent?.children;
    if (children === undefined) return this.#give('a parent that is not a directory');
    const old = children.get(base);
    switch (h.type) {
      case 'directory':
        if (old?.children !== undefined) Object.assign(old, { mode: S_IFDIR | perm, uid, gid });
        else children.set(base, { mode: S_IFDIR | perm, uid, gid, children: new Map(), size: 4096 });
        return;
      case 'file':
      case 'contiguous-file': {
        const file: Node = { mode: S_IFREG | perm, uid, gid, data: [], size: 0 };
        children.set(base, file);
        this.#file = file;
        return;
      }
      case 'symlink':
        children.set(base, { mode: S_IFLNK | 0o777, uid, gid, target: h.linkname, size: Buffer.byteLength(h.linkname) });
        return;
      case 'link': {
        // The unpacker removes what was at the link's path before it looks for the target.
        children.delete(base);
        let target: Node | undefined;
        try {
          target = this.#lookup(cleanComponents(h.linkname, 'hardlink target'));
        } catch {
          target = undefined;
        }
        if (target === undefined || target.children !== undefined) return this.#give('a hardlink to nothing or to a directory');
        children.set(base, target);
        return;
      }
      default:
        return this.#give(`a ${h.type} entry`);
    }
  }

  data(piece: Buffer): void {
    const f = this.#file;
    if (f === undefined) return;
    f.data?.push(piece);
    f.size += piece.length;
  }

  entryEnd(): void {
    this.#file = undefined;
  }

  /** The node at the clean components, parents walked as the unpacker's lstat does (none may be a symlink). */
  #lookup(comps: readonly string[]): Node | undefined {
    let n: Node | undefined = this.#root;
    for (let i = 0; i < comps.length && n !== undefined; i++) {
      if (n.children === undefined) throw fsError('ENOTDIR', 'lstat', comps.join('/'));
      n = n.children.get(comps[i] as string);
    }
    return n;
  }

  /** The node at in-root `path`, symlinks followed inside the root (the last one too when `follow`), or why there is none. */
  #find(path: string, follow: boolean): Node | 'ENOENT' | 'ENOTDIR' | 'ELOOP' {
    const parts = segments(path);
    const stack: Node[] = [this.#root];
    let links = 0;
    while (parts.length > 0) {
      const part = parts.shift() as string;
      const dir = stack[stack.length - 1] as Node;
      if (part === '..') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      if (dir.children === undefined) return 'ENOTDIR';
      const n = dir.children.get(part);
      if (n === undefined) return 'ENOENT';
      if (n.target !== undefined && (parts.length > 0 || follow)) {
        if (++links > maxLinks) return 'ELOOP';
        if (n.target.startsWith('/')) stack.length = 1;
        parts.unshift(...segments(n.target));
        continue;
      }
      stack.push(n);
    }
    return stack[stack.length - 1] as Node;
  }

  #walk(path: string, follow: boolean, syscall: string): Node {
    const n = this.#find(path, follow);
    if (typeof n === 'string') throw fsError(n, syscall, path);
    return n;
  }

  async lstat(path: string): Promise<SourceStat> {
    return new NodeStat(this.#walk(path, false, 'lstat'));
  }

  async stat(path: string): Promise<SourceStat> {
    return new NodeStat(this.#walk(path, true, 'stat'));
  }

  async readdir(path: string): Promise<string[]> {
    const n = this.#walk(path, true, 'scandir');
    if (n.children === undefined) throw fsError('ENOTDIR', 'scandir', path);
    return [...n.children.keys()];
  }

  async readlink(path: string): Promise<string> {
    const n = this.#walk(path, false, 'readlink');
    if (n.target === undefined) throw fsError('EINVAL', 'readlink', path);
    return n.target;
  }

  async *content(path: string): AsyncGenerator<Uint8Array> {
    const n = this.#walk(path, true, 'open');
    if (n.children !== undefined) throw fsError('EISDIR', 'read', path);
    yield* n.data ?? [];
  }

  async resolve(root: string, path: string): Promise<string> {
    // resolveInRoot's rule and errors, with this tree's lookups (its root is `/`).
    const lookups = {
      lstat: async (p: string) => {
        const n = this.#find(p, false);
        return typeof n === 'string' ? undefined : new NodeStat(n);
      },
      readlink: (p: string) => this.readlink(p),
    };
    try {
      return posix.join(root, await resolvePathInRoot('/', path, { fs: lookups }));
    } catch (err) {
      if (isSymlinkLoop(err)) throw invalidArgument(err.message, err);
      throw err;
    }
  }

  async remove(path: string): Promise<void> {
    const comps = segments(path);
    const base = comps.pop();
    if (base === undefined) return;
    let dir: Node | undefined;
    try {
      dir = this.#lookup(comps);
    } catch {
      return;
    }
    if (dir?.children?.delete(base)) this.removed.push(`/${[...comps, base].join('/')}`);
  }
}

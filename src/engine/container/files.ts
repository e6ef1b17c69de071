// The files of a container: `docker cp` through the archive API (stat, get,
// put), `export` (a tar of the rootfs), `diff` (changes in the overlay upper
// dir) and `commit` (the upper dir as a new layer on the container's image).
import type { Digest } from '../../core/digest.ts';
import { lstat, readdir } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { posix } from 'node:path';
import { errorMessage, invalidArgument } from '../../core/errors.ts';
import { normalizeTagged, parseReference } from '../../core/reference.ts';
import type { Container } from '../../core/types.ts';
import { diffToLayer, opaqueDirs, runtimeMountPoints } from '../../image/index.ts';
import type { Image, LocalImageStore, OciContainerConfig, OciImageConfig } from '../../image/index.ts';
import { mediaTypes } from '../../image/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { resolveUser } from '../../runtime/index.ts';
import type { BlobLease, BlobStore } from '../../store/index.ts';
import { crashPoint, holdPoint } from '../../lib/crash-point.ts';
import { archivePath, statPath, writeTree, type PathStat } from './archive.ts';
import { extractInto } from './extract.ts';
import type { ContainerFsView } from './fs-view.ts';
import { applyChanges } from '../image/image-changes.ts';

/** One line of `docker diff`: 0 modified, 1 added, 2 deleted (docker's ChangeType). */
export interface FileChange {
  readonly path: string;
  readonly kind: 0 | 1 | 2;
}

export interface CommitOptions {
  readonly repo?: string;
  readonly tag?: string;
  readonly comment?: string;
  readonly author?: string;
  /** Pause a running container while its layer is taken (docker's default). */
  readonly pause?: boolean;
  /** Dockerfile instructions applied to the config (CMD, ENV, …). */
  readonly changes?: readonly string[];
  /** Config fields from the request body that replace the container's. */
  readonly config?: OciContainerConfig;
}

export interface FileService {
  /** HEAD /containers/{id}/archive. NotFound `Could not find the file <path> in container <x>`. */
  stat(idOrName: string, path: string): Promise<PathStat>;
  /** GET /containers/{id}/archive: `write` streams the tar; the container stays mounted until it resolves. */
  archive(idOrName: string, path: string, out: (stat: PathStat) => Writable): Promise<void>;
  /** PUT /containers/{id}/archive. InvalidArgument when the path is not a directory or is read-only. */
  extract(idOrName: string, path: string, input: Readable, options?: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean }): Promise<void>;
  /** GET /containers/{id}/export: the container's rootfs (no volumes, no kernel filesystems) as a tar. */
  export(idOrName: string, out: Writable): Promise<void>;
  /** GET /containers/{id}/changes, sorted by path. */
  changes(idOrName: string): Promise<FileChange[]>;
  /** POST /commit: the new image. */
  commit(idOrName: string, options?: CommitOptions): Promise<Image>;
}

export interface FileServiceDeps {
  readonly containers: {
    /** `files`: the call uses the files agent (view.files()), started before fn. */
    withFilesystem<T>(idOrName: string, fn: (view: ContainerFsView) => Promise<T>, options?: { files?: boolean }): Promise<T>;
    inspect(idOrName: string): Promise<Container>;
    pause(idOrName: string): Promise<void>;
    unpause(idOrName: string): Promise<void>;
  };
  readonly images: LocalImageStore;
  readonly blobs: BlobStore;
  readonly log: Logger;
  /** Parent links (build/image-parents.ts): a committed image's parent is the container's image, as dockerd records it. */
  readonly parents?: { set(child: Digest, parent: Digest): void };
}

/**
 * Container paths that are kernel filesystems, never part of export. /dev is
 * exported: the merged dir holds only the init layer's /dev/console, /dev/pts
 * and /dev/shm there (and what the image has), as docker's export shows.
 */
const notExported = ['/proc', '/sys'];

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

export class LocalFileService implements FileService {
  readonly #d: FileServiceDeps;

  constructor(deps: FileServiceDeps) {
    this.#d = deps;
  }

  stat(idOrName: string, path: string): Promise<PathStat> {
    return this.#d.containers.withFilesystem(idOrName, (view) => statPath(view, path, idOrName), { files: true });
  }

  archive(idOrName: string, path: string, out: (stat: PathStat) => Writable): Promise<void> {
    return this.#d.containers.withFilesystem(
      idOrName,
      async (view) => {
        const a = await archivePath(view, path, idOrName);
        await a.write(out(a.stat));
      },
      { files: true },
    );
  }

  extract(idOrName: string, path: string, input: Readable, options: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
    return this.#d.containers.withFilesystem(
      idOrName,
      async (view) => {
        let owner: { uid: number; gid: number } | undefined;
        if (options.copyUIDGID) {
          // The container's own /etc/passwd, read inside its root (its base rootfs, as the image has it).
          const { base } = await view.files();
          const reader = { readFile: (p: string) => base.readFile(p).then((b) => b.toString('utf8'), () => undefined) };
          const u = await resolveUser(reader, view.container.spec.user ?? '');
          owner = { uid: u.uid, gid: u.gid };
        }
        await extractInto(view, path, idOrName, input, { noOverwriteDirNonDir: options.noOverwriteDirNonDir ?? false, ...(owner ? { owner } : {}) });
      },
      { files: true },
    );
  }

  export(idOrName: string, out: Writable): Promise<void> {
    return this.#d.containers.withFilesystem(
      idOrName,
      async (view) => {
        // The base rootfs, not the process's view: no volumes, no /proc.
        const { base } = await view.files();
        const skip = (p: string) => notExported.some((x) => p.startsWith(`${x}/`));
        await writeTree(() => base, '/', '.', out, { skip, bareNames: true });
      },
      { files: true },
    );
  }

  changes(idOrName: string): Promise<FileChange[]> {
    return this.#d.containers.withFilesystem(idOrName, (view) => this.#changes(view));
  }

  async #changes(view: ContainerFsView): Promise<FileChange[]> {
    const out: FileChange[] = [];
    const opaque = await opaqueDirs(view.upper).catch(() => new Set<string>());
    const inLower = async (rel: string) => {
      for (const l of view.lower) if (await exists(posix.join(l, rel))) return true;
      return false;
    };
    const walk = async (rel: string): Promise<void> => {
      const dir = rel === '' ? view.upper : posix.join(view.upper, rel);
      for (const name of (await readdir(dir)).sort()) {
        const r = rel === '' ? name : `${rel}/${name}`;
        if (runtimeMountPoints.has(r)) continue;
        const st = await lstat(posix.join(view.upper, r));
        if (st.isCharacterDevice() && st.rdev === 0) {
          out.push({ path: `/${r}`, kind: 2 });
          continue;
        }
        const before = out.length;
        const lower = await inLower(r);
        if (st.isDirectory()) {
          if (opaque.has(r)) {
            // An opaque dir hides everything below it in the image: those are deletions.
            for (const l of view.lower) {
              const names = await readdir(posix.join(l, r)).catch(() => [] as string[]);
              for (const n of names) if (!(await exists(posix.join(view.upper, r, n)))) out.push({ path: `/${r}/${n}`, kind: 2 });
            }
          }
          await walk(r);
          // A directory made or copied up only for a runtime mount point (/etc for /etc/hosts) is not a change.
          if (out.length === before && !opaque.has(r)) {
            const names = await readdir(posix.join(view.upper, r));
            if (names.length > 0 && names.every((n) => runtimeMountPoints.has(`${r}/${n}`))) continue;
          }
        }
        out.splice(before, 0, { path: `/${r}`, kind: lower ? 0 : 1 });
      }
    };
    await walk('');
    const seen = new Set<string>();
    return out.filter((c) => (seen.has(c.path) ? false : (seen.add(c.path), true))).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async commit(idOrName: string, options: CommitOptions = {}): Promise<Image> {
    // The new layer's blob is leased until the image record names it: a gc (start-up, after an rmi) may run meanwhile.
    const lease = this.#d.blobs.lease();
    try {
      return await this.#commitLeased(idOrName, options, lease);
    } finally {
      lease.release();
    }
  }

  async #commitLeased(idOrName: string, options: CommitOptions, lease: BlobLease): Promise<Image> {
    let ref: string | undefined;
    if (options.repo) {
      const text = options.tag ? `${options.repo}:${options.tag}` : options.repo;
      if (parseReference(text).digest !== undefined) throw invalidArgument('cannot commit to digest reference');
      ref = normalizeTagged(text);
    } else if (options.tag) throw invalidArgument('tag is specified without a repository');
    const c = await this.#d.containers.inspect(idOrName);
    const base = await this.#d.images.get(c.imageId);
    const config = applyChanges({ ...containerConfig(c), ...(options.config ?? {}) }, options.changes ?? []);
    // As dockerd: pausing is best effort. A container that exits between the
    // state check and the freeze (`docker run` then commit at once) is committed
    // as a stopped one, which needs no pause, instead of failing the commit.
    let pause = (options.pause ?? true) && c.state.status === 'running';
    if (pause) {
      pause = await this.#d.containers.pause(c.id).then(
        () => true,
        (err: unknown) => {
          this.#d.log.debug('pause before commit failed; committing without it', { container: c.id, err: errorMessage(err) });
          return false;
        },
      );
    }
    let diff: Awaited<ReturnType<typeof diffToLayer>>;
    try {
      diff = await this.#d.containers.withFilesystem(c.id, (view) => diffToLayer(view.upper, this.#d.blobs, { overlay: true, exclude: runtimeMountPoints, lease }));
    } finally {
      if (pause) await this.#d.containers.unpause(c.id).catch((err: unknown) => this.#d.log.warn('unpause after commit failed', { container: c.id, err }));
    }
    const created = new Date().toISOString();
    const empty = diff.entries === 0;
    const diffIds = [...base.config.rootfs.diff_ids, ...(empty ? [] : [diff.diffId])];
    const image: OciImageConfig = {
      architecture: base.config.architecture,
      os: base.config.os,
      ...(base.config.variant !== undefined ? { variant: base.config.variant } : {}),
      created,
      ...(options.author ? { author: options.author } : {}),
      ...(options.comment ? { comment: options.comment } : {}),
      container: c.id,
      // dockerd records the container's own config (before the changes) here.
      container_config: { ...containerConfig(c), Hostname: c.hostname, Image: c.spec.image },
      config,
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: [
        ...(base.config.history ?? []),
        {
          created,
          created_by: [c.path, ...c.args].join(' '),
          ...(options.author ? { author: options.author } : {}),
          ...(options.comment ? { comment: options.comment } : {}),
          ...(empty ? { empty_layer: true } : {}),
        },
      ],
    };
    const layers = diffIds.map((d) => ({ blob: d, mediaType: mediaTypes.ociLayer }));
    crashPoint('commit.layer-written');
    await holdPoint('commit.layer-written');
    const made = await this.#d.images.create(image, layers, ref !== undefined ? { ref } : {});
    this.#d.parents?.set(made.id, c.imageId);
    return made;
  }
}

/** The container's effective config as an image config (docker's commit takes c.Config). */
function containerConfig(c: Container): OciContainerConfig {
  const s = c.spec;
  const h = s.healthcheck;
  return {
    ...(s.user ? { User: s.user } : {}),
    ...(s.exposedPorts.length > 0 ? { ExposedPorts: Object.fromEntries(s.exposedPorts.map((p) => [p, {}])) } : {}),
    Env: [...s.env],
    Entrypoint: s.entrypoint && s.entrypoint.length > 0 ? [...s.entrypoint] : null,
    Cmd: s.cmd && s.cmd.length > 0 ? [...s.cmd] : null,
    ...(s.volumes.length > 0 ? { Volumes: Object.fromEntries(s.volumes.map((v) => [v, {}])) } : {}),
    ...(s.workingDir ? { WorkingDir: s.workingDir } : {}),
    Labels: { ...s.labels },
    ...(s.stopSignal ? { StopSignal: s.stopSignal } : {}),
    ...(h
      ? {
          Healthcheck: {
            Test: [...h.test],
            ...(h.intervalNs !== undefined ? { Interval: h.intervalNs } : {}),
            ...(h.timeoutNs !== undefined ? { Timeout: h.timeoutNs } : {}),
            ...(h.startPeriodNs !== undefined ? { StartPeriod: h.startPeriodNs } : {}),
            ...(h.retries !== undefined ? { Retries: h.retries } : {}),
          },
        }
      : {}),
  };
}

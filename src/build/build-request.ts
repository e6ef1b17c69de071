// What a build needs and what it gives: the collaborators (BuildDeps), the
// request as the API received it (BuildRequest), the progress callback and
// the result. Types only; runBuild (./run-build.ts) takes them.
import type { Digest } from '../core/digest.ts';
import type { Image, LocalImageStore } from '../image/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Credentials } from '../registry/index.ts';
import type { BlobStore, MetadataStore, Snapshotter } from '../store/index.ts';
import type { BuildContext } from './context.ts';
import type { BuildContainers, RunLimits } from './run-step.ts';

export interface BuildDeps {
  readonly images: LocalImageStore;
  readonly blobs: BlobStore;
  readonly snapshotter: Snapshotter;
  readonly meta: MetadataStore;
  readonly containers: BuildContainers;
  /** Scratch space under the data root (emptied at start-up). */
  readonly tmpDir: string;
  /**
   * The builds' runtime state under the exec root: `steps/` names the RUN
   * containers of builds in flight (step-markers.ts), `secrets/` holds the
   * steps' secret tmpfs mounts (secret-tmpfs.ts).
   */
  readonly runDir: string;
  /** Where `RUN --mount=type=cache` directories live (default `<tmpDir>/../build-cache-mounts`). */
  readonly cacheMountRoot?: string;
  readonly log: Logger;
  /** Pulls an image when the engine can (registry support); NotFound otherwise. */
  readonly pull?: (ref: string, options: { platform?: string; signal?: AbortSignal; credentials?: Credentials }) => Promise<Image>;
}

export interface BuildRequest {
  /** The Dockerfile's text. */
  readonly dockerfile: string;
  /** Its name for error messages (`Dockerfile`). */
  readonly dockerfileName: string;
  /** The build context's files (in memory or on disk). */
  readonly context: BuildContext;
  readonly tags: readonly string[];
  readonly buildArgs: Readonly<Record<string, string | null>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly noCache: boolean;
  readonly pull: boolean;
  /** Remove intermediate containers after a successful step (default true). */
  readonly rm: boolean;
  /** Remove them after a failed step too. */
  readonly forceRm: boolean;
  /** RUN's network: `default` (the default bridge), `none`, `host` or a network's name. */
  readonly networkMode?: string;
  /** `os/arch[/variant]`; only the host's platform can be built. */
  readonly platform?: string;
  /** `--secret` values by id, for RUN --mount=type=secret (never written into a layer or the config). */
  readonly secrets?: ReadonlyMap<string, Buffer>;
  /** `--ssh` agent sockets by id (paths on the daemon's host), for RUN --mount=type=ssh. */
  readonly ssh?: ReadonlyMap<string, string>;
  /** Registry credentials by reference domain (X-Registry-Config), for pulling FROM images. */
  readonly registryAuth?: ReadonlyMap<string, Credentials>;
  /** `--cache-from` images: their history is a cache source besides the local build cache. */
  readonly cacheFrom?: readonly string[];
  /** `host:ip` entries for the RUN containers' /etc/hosts. */
  readonly extraHosts?: readonly string[];
  /** Resources of the RUN containers. */
  readonly runLimits?: RunLimits;
  readonly signal?: AbortSignal;
}

/** Progress as the classic builder's messages: text for `stream`, the image id as `aux`. */
export type BuildEmit = (message: { stream: string } | { aux: { ID: string } }) => void;

export interface BuildResult {
  readonly id: Digest;
  readonly tags: readonly string[];
}

// One build's shared state: its collaborators and request, the build cache,
// the platform, the Dockerfile's escape and global ARGs, the build args used
// so far, the total step count and the results of finished stages. The steps
// (./steps/) and the stage runner take it as their first argument; it holds
// no step logic itself.
import type { Digest } from '../core/digest.ts';
import { invalidArgument, isNotFound } from '../core/errors.ts';
import { parseReference } from '../core/reference.ts';
import { goArch, type Image, type OciImageConfig } from '../image/index.ts';
import { BuildCache } from './cache.ts';
import { CacheFromSources } from './cache-from.ts';
import type { BuildDeps, BuildEmit, BuildRequest } from './build-request.ts';
import { envMap, type StageState } from './build-state.ts';
import { ImageParents } from './image-parents.ts';
import { expandWord, type Instructions } from './parser/index.ts';
import { parsePlatform } from './platform.ts';
import { stageIndex } from './stage-graph.ts';
import type { BlobLease } from '../store/index.ts';

/** Epoch seconds from SOURCE_DATE_EPOCH (a build arg), when set. */
function sourceDateEpoch(args: Readonly<Record<string, string | null>>): number | undefined {
  const v = args['SOURCE_DATE_EPOCH'];
  if (v === undefined || v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw invalidArgument(`invalid SOURCE_DATE_EPOCH: ${v}`);
  return Number(v);
}

export class BuildSession {
  readonly d: BuildDeps;
  readonly r: BuildRequest;
  readonly emit: BuildEmit;
  readonly cache: BuildCache;
  readonly parents: ImageParents;
  readonly cacheFrom: CacheFromSources;
  readonly epoch: number | undefined;
  readonly platform: { os: string; arch: string; variant: string };
  escape: '\\' | '`' = '\\';
  readonly usedArgs = new Set<string>();
  /** The number of steps of the whole build (the `/N` of `Step n/N`). */
  total = 0;
  /** Holds the blobs this build writes until the build ends (its images name them by then): no gc takes them in between. */
  readonly lease: BlobLease;
  /** Aborted when a stage fails, so that stages running in parallel stop too. */
  readonly abort = new AbortController();
  /** Results of finished stages by index. */
  readonly stageImages = new Map<number, Digest | undefined>();
  readonly stageConfigs = new Map<number, OciImageConfig>();
  instructions!: Instructions;
  /** Values of the ARGs before the first FROM. */
  readonly globalArgs = new Map<string, string>();

  constructor(deps: BuildDeps, req: BuildRequest, emit: BuildEmit) {
    this.d = deps;
    this.r = req;
    this.emit = emit;
    this.lease = deps.blobs.lease();
    this.cache = new BuildCache(deps.meta);
    this.parents = new ImageParents(deps.meta);
    this.cacheFrom = new CacheFromSources(deps, req.cacheFrom ?? [], this.parents);
    this.epoch = sourceDateEpoch(req.buildArgs);
    const host = { os: 'linux', arch: goArch(), variant: '' };
    const { os, arch, variant } = req.platform ? parsePlatform(req.platform, host) : host;
    if (os !== 'linux' || arch !== goArch()) throw invalidArgument(`berth can only build for linux/${goArch()}, not ${req.platform}`);
    this.platform = { os, arch, variant };
  }

  say(text: string): void {
    this.emit({ stream: text });
  }

  /** The `created` time of a history entry or image (SOURCE_DATE_EPOCH when given). */
  now(): string {
    return this.epoch !== undefined ? new Date(this.epoch * 1000).toISOString().replace('.000Z', 'Z') : new Date().toISOString();
  }

  platformArgs(): Record<string, string> {
    const p = this.platform;
    const build = `linux/${goArch()}`;
    const target = `${p.os}/${p.arch}${p.variant ? `/${p.variant}` : ''}`;
    return {
      BUILDPLATFORM: build,
      BUILDOS: 'linux',
      BUILDARCH: goArch(),
      BUILDVARIANT: '',
      TARGETPLATFORM: target,
      TARGETOS: p.os,
      TARGETARCH: p.arch,
      TARGETVARIANT: p.variant,
    };
  }

  buildArg(key: string): string | undefined {
    const v = this.r.buildArgs[key];
    if (v === undefined) return undefined;
    this.usedArgs.add(key);
    // A build arg given without a value takes it from the client's environment (the CLI fills it in); null means unset.
    return v === null ? undefined : v;
  }

  expand(word: string, vars: ReadonlyMap<string, string>, used?: Set<string>): string {
    return expandWord(word, vars, { escape: this.escape, ...(used ? { used } : {}) });
  }

  /** Variables for expansion in a stage: its ARGs, overridden by its ENV. */
  vars(st: StageState): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of st.args) if (v !== undefined) m.set(k, v);
    for (const [k, v] of envMap(st.config.config?.Env)) m.set(k, v);
    return m;
  }

  /** A word expander with the stage's variables as they are now. */
  expander(st: StageState): (word: string) => string {
    const vars = this.vars(st);
    return (w: string) => this.expand(w, vars);
  }

  stageByName(name: string, before: number): number | undefined {
    return stageIndex(this.instructions.stages, name, before);
  }

  /** A FROM or --from image: pulled with --pull, else the local one, pulled when missing. */
  async baseImage(ref: string): Promise<Image> {
    const credentials = this.r.registryAuth?.get(parseReference(ref).domain);
    if (this.r.pull && this.d.pull) return this.d.pull(ref, { ...(this.r.platform ? { platform: this.r.platform } : {}), ...(this.r.signal ? { signal: this.r.signal } : {}), ...(credentials ? { credentials } : {}) });
    try {
      return await this.d.images.resolve(ref);
    } catch (err) {
      if (!isNotFound(err) || !this.d.pull) throw err;
      return this.d.pull(ref, { ...(this.r.platform ? { platform: this.r.platform } : {}), ...(this.r.signal ? { signal: this.r.signal } : {}), ...(credentials ? { credentials } : {}) });
    }
  }
}

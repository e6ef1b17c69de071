// The build executor: runs a parsed Dockerfile the way Docker's classic builder
// does. Stages are planned as a graph (only those the target needs are built),
// each instruction is one step that commits an intermediate image (metadata
// steps add an empty_layer history entry; RUN runs a container and COPY/ADD
// write into a mounted snapshot, each then diffed into a layer), every step
// is first looked up in the build cache, and progress is reported as the
// classic builder's text lines (`Step 2/5 : RUN …`, ` ---> Using cache`, …).
import { healthcheckNopText, shellNopText } from './nop-text.ts';
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';
import { chainIds, sha256, type Digest } from '../core/digest.ts';
import { BerthError, ErrorKind, errorMessage, invalidArgument, isNotFound, notImplemented } from '../core/errors.ts';
import { newId, shortId } from '../core/ids.ts';
import { familiarName, normalizeTagged, parseReference } from '../core/reference.ts';
import { goArch } from '../image/index.ts';
import { mediaTypes } from '../image/index.ts';
import type { Image, LocalImageStore, OciContainerConfig, OciHistory, OciImageConfig } from '../image/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Credentials } from '../registry/index.ts';
import { resolveUser } from '../runtime/index.ts';
import type { BlobStore, MetadataStore, Snapshotter } from '../store/index.ts';
import { BuildCache } from './cache.ts';
import { ImageParents } from './image-parents.ts';
import { cleanSource, copyInto, hashSources, resolveSources, type CopySource } from './copy.ts';
import { diffToLayer, runtimeMountPoints } from '../image/index.ts';
import { fetchUrls } from './fetch-url.ts';
import { expandWord, parseInstructions } from './parser/index.ts';
import type { AddCommand, ArgCommand, Command, CopyCommand, Instructions, Mount as RunMount, Stage } from './parser/index.ts';
import type { MountSpec } from '../core/types.ts';
import { resolveInRoot } from '../runtime/index.ts';
import { runStep, type BuildContainers, type RunLimits } from './run-step.ts';
import { checkExtraHosts } from './extra-hosts.ts';
import { parsePlatform } from './platform.ts';
import { checkRunLimits, checkRunShares } from './run-limits.ts';
import { planStages, stageDependencies, stageIndex } from './stage-graph.ts';

export interface BuildDeps {
  readonly images: LocalImageStore;
  readonly blobs: BlobStore;
  readonly snapshotter: Snapshotter;
  readonly meta: MetadataStore;
  readonly containers: BuildContainers;
  /** Scratch space under the data root (emptied at start-up). */
  readonly tmpDir: string;
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
  readonly contextDir: string;
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

/** A failing RUN: the message is Docker's and `exitCode` the command's. */
export class StepFailedError extends BerthError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(ErrorKind.InvalidArgument, message);
    this.exitCode = exitCode;
  }
}

/** The step (`Step 2/3 : RUN …`) during which a build error was thrown. */
const failedSteps = new WeakMap<object, string>();

/** The step a build failed at, when the error came from one. */
export function failedStep(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? failedSteps.get(err) : undefined;
}

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const defaultShell = ['/bin/sh', '-c'];
const proxyArgs = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

interface StageState {
  /** The last committed image; undefined for `FROM scratch` before its first step. */
  imageId: Digest | undefined;
  config: OciImageConfig;
  /** ARGs declared in this stage, with their values (undefined: declared without value). */
  readonly args: Map<string, string | undefined>;
  cmdSet: boolean;
  /** This stage's output (buffered while an earlier stage is still printing). */
  readonly say: (text: string) => void;
  /** The number of this stage's next step line. */
  step: number;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function envMap(list: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list ?? []) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

function setEnv(config: OciContainerConfig, key: string, value: string): void {
  const env = [...(config.Env ?? [])];
  const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  config.Env = env;
}

function parseOctal(s: string): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw invalidArgument(`invalid chmod parameter: ${s}`);
  return parseInt(s, 8);
}

/** Docker prints durations in history as Go does; these are the classic builder's `#(nop)` texts. */
function nop(text: string): string {
  return `/bin/sh -c #(nop) ${text}`;
}

/**
 * The network a RUN step's container joins: `RUN --network=none|host` wins,
 * else the build's `--network`; `default` (or nothing) is the default bridge,
 * as with docker's classic builder — its own netns, released when the step exits.
 */
export function runNetworkMode(step: string, build: string | undefined): string {
  if (step === 'none' || step === 'host') return step;
  return build === undefined || build === '' || build === 'default' ? 'bridge' : build;
}

/** Where RUN --mount=type=secret,env=NAME values are mounted (left out of the layer). */
const secretEnvDir = '/.berth-secret-env';

/**
 * The step's command with secret variables set: a shell reads each from its
 * file and execs the command, so that the values appear in no stored spec.
 */
export function withSecretEnv(argv: readonly string[], names: readonly string[]): string[] {
  if (names.length === 0) return [...argv];
  const set = names.map((n) => `${n}="$(cat '${secretEnvDir}/${n}')"; export ${n}; `).join('');
  return ['/bin/sh', '-c', `${set}exec "$@"`, 'sh', ...argv];
}

/** Epoch seconds from SOURCE_DATE_EPOCH (a build arg), when set. */
function sourceDateEpoch(args: Readonly<Record<string, string | null>>): number | undefined {
  const v = args['SOURCE_DATE_EPOCH'];
  if (v === undefined || v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw invalidArgument(`invalid SOURCE_DATE_EPOCH: ${v}`);
  return Number(v);
}

class Build {
  readonly #d: BuildDeps;
  readonly #r: BuildRequest;
  readonly #emit: BuildEmit;
  readonly #cache: BuildCache;
  readonly #parents: ImageParents;
  readonly #epoch: number | undefined;
  readonly #platform: { os: string; arch: string; variant: string };
  #escape: '\\' | '`';
  readonly #usedArgs = new Set<string>();
  #total = 0;
  /** Aborted when a stage fails, so that stages running in parallel stop too. */
  readonly #abort = new AbortController();
  /** Results of finished stages by index. */
  readonly #stageImages = new Map<number, Digest | undefined>();
  readonly #stageConfigs = new Map<number, OciImageConfig>();
  #instructions!: Instructions;
  #cacheFromConfigs: OciImageConfig[] | undefined;
  readonly #cacheFromIds: string[] = [];
  #cacheFromChain: Set<string> | undefined;
  /** Values of the ARGs before the first FROM. */
  readonly #globalArgs = new Map<string, string>();

  constructor(deps: BuildDeps, req: BuildRequest, emit: BuildEmit) {
    this.#d = deps;
    this.#r = req;
    this.#emit = emit;
    this.#cache = new BuildCache(deps.meta);
    this.#parents = new ImageParents(deps.meta);
    this.#epoch = sourceDateEpoch(req.buildArgs);
    const host = { os: 'linux', arch: goArch(), variant: '' };
    const { os, arch, variant } = req.platform ? parsePlatform(req.platform, host) : host;
    if (os !== 'linux' || arch !== goArch()) throw invalidArgument(`berth can only build for linux/${goArch()}, not ${req.platform}`);
    this.#platform = { os, arch, variant };
    this.#escape = '\\';
  }

  #say(text: string): void {
    this.#emit({ stream: text });
  }

  #now(): string {
    return this.#epoch !== undefined ? new Date(this.#epoch * 1000).toISOString().replace('.000Z', 'Z') : new Date().toISOString();
  }

  #platformArgs(): Record<string, string> {
    const p = this.#platform;
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

  #buildArg(key: string): string | undefined {
    const v = this.#r.buildArgs[key];
    if (v === undefined) return undefined;
    this.#usedArgs.add(key);
    // A build arg given without a value takes it from the client's environment (the CLI fills it in); null means unset.
    return v === null ? undefined : v;
  }

  #expand(word: string, vars: ReadonlyMap<string, string>, used?: Set<string>): string {
    return expandWord(word, vars, { escape: this.#escape, ...(used ? { used } : {}) });
  }

  /** Variables for expansion in a stage: its ARGs, overridden by its ENV. */
  #vars(st: StageState): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of st.args) if (v !== undefined) m.set(k, v);
    for (const [k, v] of envMap(st.config.config?.Env)) m.set(k, v);
    return m;
  }

  async run(): Promise<BuildResult> {
    this.#instructions = parseInstructions(this.#r.dockerfile, { file: this.#r.dockerfileName });
    this.#escape = this.#instructions.directives.escape;
    const stages = this.#instructions.stages;
    if (stages.length === 0) throw invalidArgument('the Dockerfile (Dockerfile) cannot be empty');

    // Global scope: platform args, then ARGs before the first FROM.
    for (const [k, v] of Object.entries(this.#platformArgs())) this.#globalArgs.set(k, v);
    for (const meta of this.#instructions.metaArgs) {
      for (const a of meta.args) {
        const given = this.#buildArg(a.key);
        const value = given ?? (a.value !== undefined ? this.#expand(a.value, this.#globalArgs) : undefined);
        if (value !== undefined) this.#globalArgs.set(a.key, value);
      }
    }

    const plan = planStages(stages, { ...(this.#r.target ? { target: this.#r.target } : {}), expand: (w) => this.#expand(w, this.#globalArgs) });
    this.#total = plan.reduce((n, i) => n + 1 + (stages[i] as Stage).commands.length, 0) + Object.keys(this.#r.labels).length;

    const last = await this.#runStages(plan);
    const id = last.imageId ?? (await this.#commit(last));

    const unused = Object.keys(this.#r.buildArgs).filter((k) => !this.#usedArgs.has(k) && !proxyArgs.has(k) && k !== 'SOURCE_DATE_EPOCH');
    if (unused.length > 0) this.#say(`[Warning] One or more build-args [${unused.sort().join(' ')}] were not consumed\n`);

    const tags: string[] = [];
    for (const t of this.#r.tags) {
      const ref = normalizeTagged(t);
      // A rebuild that changed nothing leaves the tag as it is (no metadata write).
      if (this.#d.meta.resolveTag(ref) !== id) await this.#d.images.tag(id, ref);
      tags.push(familiarName(parseReference(ref)));
    }
    return { id, tags };
  }

  // ---- stages ----------------------------------------------------------------

  /**
   * Runs the planned stages, each as soon as the stages it depends on are done
   * (independent stages in parallel). Output keeps Dockerfile order: a stage
   * prints live while it is the earliest unfinished one, else into a buffer
   * that is flushed when its turn comes. Each stage ends with its image id
   * as an `aux` message, as the classic builder's do.
   */
  async #runStages(plan: readonly number[]): Promise<StageState> {
    const stages = this.#instructions.stages;
    const deps = stageDependencies(stages, (w) => this.#expand(w, this.#globalArgs));
    type Message = Parameters<BuildEmit>[0];
    const buffers = plan.map(() => [] as Message[]);
    const done = plan.map(() => false);
    let turn = 0;
    const advance = () => {
      while (turn < plan.length && done[turn]) {
        turn++;
        if (turn < plan.length) for (const m of (buffers[turn] as Message[]).splice(0)) this.#emit(m);
      }
    };
    const results = new Map<number, Promise<StageState>>();
    let firstStep = 1;
    for (let k = 0; k < plan.length; k++) {
      const index = plan[k] as number;
      const stage = stages[index] as Stage;
      const emit = (m: Message) => {
        if (turn === k) this.#emit(m);
        else (buffers[k] as Message[]).push(m);
      };
      const say = (text: string) => emit({ stream: text });
      const start = firstStep;
      firstStep += 1 + stage.commands.length;
      const isLast = k === plan.length - 1;
      const waitFor = (deps[index] ?? []).map((i) => results.get(i)).filter((p): p is Promise<StageState> => p !== undefined);
      const p = (async () => {
        await Promise.all(waitFor);
        const st = await this.#runStage(index, stage, say, start);
        // The build's labels: one LABEL step each, by key, at the end of the last stage (as dockerd adds them).
        for (const [key, value] of isLast ? Object.entries(this.#r.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : []) {
          this.#r.signal?.throwIfAborted();
          const text = `LABEL ${key}=${value}`;
          st.say(`Step ${st.step++}/${this.#total} : ${text}`);
          st.say('\n');
          await this.#metaStep(st, text, (c) => {
            c.Labels = { ...(c.Labels ?? {}), [key]: value };
          });
        }
        if (st.imageId !== undefined) emit({ aux: { ID: st.imageId } });
        this.#stageImages.set(index, st.imageId);
        this.#stageConfigs.set(index, st.config);
        return st;
      })();
      // One failing stage stops the others at their next step.
      p.catch((err: unknown) => this.#abort.abort(err));
      p.then(
        () => {
          done[k] = true;
          advance();
        },
        () => undefined,
      );
      results.set(index, p);
    }
    const settled = await Promise.allSettled([...results.values()]);
    // A stage's own failure comes before the aborts it caused in the others.
    const failure = this.#abort.signal.aborted ? this.#abort.signal.reason : undefined;
    if (failure !== undefined) {
      for (let k = turn; k < plan.length; k++) for (const m of (buffers[k] as Message[]).splice(0)) this.#emit(m);
      throw failure;
    }
    const lastResult = settled[settled.length - 1];
    if (lastResult?.status !== 'fulfilled') throw invalidArgument('nothing to build');
    return lastResult.value;
  }

  async #runStage(index: number, stage: Stage, say: (text: string) => void, firstStep: number): Promise<StageState> {
    const st = await this.#from(index, stage, say, firstStep);
    for (const cmd of stage.commands) {
      this.#r.signal?.throwIfAborted();
      this.#abort.signal.throwIfAborted();
      const stepLine = `Step ${st.step++}/${this.#total} : ${cmd.original}`;
      st.say(stepLine);
      st.say('\n');
      try {
        await this.#dispatch(st, cmd);
      } catch (err) {
        if (typeof err === 'object' && err !== null && !failedSteps.has(err)) failedSteps.set(err, stepLine);
        throw err;
      }
    }
    return st;
  }

  async #from(index: number, stage: Stage, say: (text: string) => void, firstStep: number): Promise<StageState> {
    const text = `${stage.origCmd || 'FROM'} ${stage.platform ? `--platform=${stage.platform} ` : ''}${stage.baseName}${stage.name ? ` AS ${stage.name}` : ''}`;
    say(`Step ${firstStep}/${this.#total} : ${text}`);
    say('\n');
    const step = firstStep + 1;
    const base = this.#expand(stage.baseName, this.#globalArgs);
    const args = new Map<string, string | undefined>();
    const fromStage = this.#stageByName(base, index);
    if (fromStage !== undefined) {
      const config = this.#stageConfigs.get(fromStage);
      if (config === undefined) throw invalidArgument(`stage ${base} was not built`);
      const imageId = this.#stageImages.get(fromStage);
      say(` ---> ${imageId ? shortId(imageId) : ''}\n`);
      return { imageId, config: clone(config), args, cmdSet: false, say, step };
    }
    if (base.toLowerCase() === 'scratch') {
      const config: OciImageConfig = {
        architecture: this.#platform.arch,
        os: this.#platform.os,
        config: { Env: [defaultPath] },
        rootfs: { type: 'layers', diff_ids: [] },
        history: [],
      };
      say(' ---> \n');
      return { imageId: undefined, config, args, cmdSet: false, say, step };
    }
    const image = await this.#baseImage(base);
    say(` ---> ${shortId(image.id)}\n`);
    const { architecture, os, variant, config, rootfs, history, author } = image.config;
    const st: StageState = {
      imageId: image.id,
      config: clone({ architecture, os, ...(variant !== undefined ? { variant } : {}), ...(author !== undefined ? { author } : {}), config: config ?? {}, rootfs, history: history ?? [] }),
      args,
      cmdSet: false,
      say,
      step,
    };
    // As dockerd's beginStage: a base image without PATH gets the default one.
    const env = st.config.config?.Env ?? [];
    if (!env.some((e) => e.startsWith('PATH='))) (st.config.config as OciContainerConfig).Env = [...env, defaultPath];
    await this.#onbuildTriggers(st);
    return st;
  }

  #stageByName(name: string, before: number): number | undefined {
    return stageIndex(this.#instructions.stages, name, before);
  }

  async #baseImage(ref: string): Promise<Image> {
    const credentials = this.#r.registryAuth?.get(parseReference(ref).domain);
    if (this.#r.pull && this.#d.pull) return this.#d.pull(ref, { ...(this.#r.platform ? { platform: this.#r.platform } : {}), ...(this.#r.signal ? { signal: this.#r.signal } : {}), ...(credentials ? { credentials } : {}) });
    try {
      return await this.#d.images.resolve(ref);
    } catch (err) {
      if (!isNotFound(err) || !this.#d.pull) throw err;
      return this.#d.pull(ref, { ...(this.#r.platform ? { platform: this.#r.platform } : {}), ...(this.#r.signal ? { signal: this.#r.signal } : {}), ...(credentials ? { credentials } : {}) });
    }
  }

  /** Runs the base image's ONBUILD triggers, then clears them (as Docker does). */
  async #onbuildTriggers(st: StageState): Promise<void> {
    const triggers = st.config.config?.OnBuild ?? [];
    if (triggers.length === 0) return;
    st.say(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
    const parsed = parseInstructions(`FROM scratch\n${triggers.join('\n')}\n`, { file: 'ONBUILD' });
    (st.config.config as OciContainerConfig).OnBuild = null;
    for (const cmd of parsed.stages[0]?.commands ?? []) await this.#dispatch(st, cmd);
  }

  // ---- steps -------------------------------------------------------------------

  async #dispatch(st: StageState, cmd: Command): Promise<void> {
    const vars = this.#vars(st);
    const x = (w: string) => this.#expand(w, vars);
    switch (cmd.kind) {
      case 'RUN':
        return this.#runCommand(st, cmd.prependShell ? [...(st.config.config?.Shell ?? defaultShell), this.#withHeredocs(cmd.cmdLine.join(' '), cmd.files)] : [...cmd.cmdLine], cmd.network, cmd.mounts);
      case 'COPY':
      case 'ADD':
        return this.#copy(st, cmd);
      case 'ENV': {
        const pairs = cmd.env.map((p) => ({ key: x(p.key), value: x(p.value) }));
        const text = `ENV ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
        return this.#metaStep(st, text, (c) => {
          for (const p of pairs) setEnv(c, p.key, p.value);
        });
      }
      case 'ARG':
        return this.#arg(st, cmd);
      case 'LABEL': {
        const pairs = cmd.labels.map((p) => ({ key: x(p.key), value: x(p.value) }));
        return this.#metaStep(st, `LABEL ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`, (c) => {
          c.Labels = { ...(c.Labels ?? {}) };
          for (const p of pairs) c.Labels[p.key] = p.value;
        });
      }
      case 'EXPOSE': {
        const words = cmd.ports.map(x).flatMap((p) => p.split(/\s+/)).filter((p) => p !== '');
        const ports = words.map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`));
        // History shows the words as given (sorted by the parser, as dockerd sorts them), without the /tcp added here.
        return this.#metaStep(st, `EXPOSE ${words.join(' ')}`, (c) => {
          c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
          for (const p of ports) c.ExposedPorts[p] = {};
        });
      }
      case 'WORKDIR': {
        const dir = x(cmd.path);
        const cur = st.config.config?.WorkingDir || '/';
        const next = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join(cur, dir);
        return this.#workdir(st, next);
      }
      case 'USER': {
        const user = x(cmd.user);
        return this.#metaStep(st, `USER ${user}`, (c) => {
          c.User = user;
        });
      }
      case 'VOLUME': {
        const vols = cmd.volumes.map(x).filter((v) => v.trim() !== '');
        if (vols.length === 0) throw invalidArgument('VOLUME specified can not be an empty string');
        return this.#metaStep(st, `VOLUME [${vols.join(' ')}]`, (c) => {
          c.Volumes = { ...(c.Volumes ?? {}) };
          for (const v of vols) c.Volumes[v] = {};
        });
      }
      case 'SHELL':
        return this.#metaStep(st, shellNopText(cmd.shell), (c) => {
          c.Shell = [...cmd.shell];
        });
      case 'STOPSIGNAL': {
        const sig = x(cmd.signal);
        return this.#metaStep(st, `STOPSIGNAL ${sig}`, (c) => {
          c.StopSignal = sig;
        });
      }
      case 'HEALTHCHECK': {
        const hc: NonNullable<OciContainerConfig['Healthcheck']> = {
          Test: [...cmd.test],
          ...(cmd.interval ? { Interval: cmd.interval } : {}),
          ...(cmd.timeout ? { Timeout: cmd.timeout } : {}),
          ...(cmd.startPeriod ? { StartPeriod: cmd.startPeriod } : {}),
          ...(cmd.startInterval ? { StartInterval: cmd.startInterval } : {}),
          ...(cmd.retries ? { Retries: cmd.retries } : {}),
        };
        return this.#metaStep(st, healthcheckNopText({ test: cmd.test, interval: cmd.interval, timeout: cmd.timeout, startPeriod: cmd.startPeriod, retries: cmd.retries }), (c) => {
          c.Healthcheck = hc;
        });
      }
      case 'CMD': {
        const argv = cmd.prependShell ? [...(st.config.config?.Shell ?? defaultShell), cmd.cmdLine.join(' ')] : [...cmd.cmdLine];
        st.cmdSet = true;
        return this.#metaStep(st, `CMD ${JSON.stringify(argv)}`, (c) => {
          c.Cmd = argv;
        });
      }
      case 'ENTRYPOINT': {
        const argv = cmd.prependShell ? [...(st.config.config?.Shell ?? defaultShell), cmd.cmdLine.join(' ')] : [...cmd.cmdLine];
        const resetCmd = !st.cmdSet;
        return this.#metaStep(st, `ENTRYPOINT ${JSON.stringify(argv)}`, (c) => {
          c.Entrypoint = argv;
          if (resetCmd) c.Cmd = null;
        });
      }
      case 'ONBUILD':
        return this.#metaStep(st, `ONBUILD ${cmd.expression}`, (c) => {
          c.OnBuild = [...(c.OnBuild ?? []), cmd.expression];
        });
      case 'MAINTAINER':
        return this.#metaStep(st, `MAINTAINER ${cmd.maintainer}`, () => undefined, cmd.maintainer);
    }
  }

  /** WORKDIR: sets the config's dir and, as Docker does, creates it (a layer) when the image lacks it. */
  async #workdir(st: StageState, dir: string): Promise<void> {
    const createdBy = nop(`WORKDIR ${dir}`);
    const key = this.#cache.key([st.imageId ?? JSON.stringify(st.config), createdBy]);
    if (await this.#tryCache(st, key, createdBy, (cc) => { cc.WorkingDir = dir; })) return;
    const c = clone(st.config.config ?? {});
    c.WorkingDir = dir;
    st.config.config = c;
    const mount = await this.#mountLayers(st.config.rootfs.diff_ids);
    let diffId: Digest | undefined;
    try {
      const host = await resolveInRoot(mount.merged, dir);
      if (!(await stat(host).then((x) => x.isDirectory(), () => false))) {
        await mkdir(host, { recursive: true, mode: 0o755 });
        await this.#d.snapshotter.unmountRootfs(mount.id);
        diffId = (await diffToLayer(mount.upper, this.#d.blobs, { overlay: true, ...(this.#epoch !== undefined ? { epoch: this.#epoch } : {}) })).diffId;
      }
    } finally {
      await this.#d.snapshotter.removeRootfs(mount.id);
    }
    if (diffId !== undefined) st.config.rootfs = { type: 'layers', diff_ids: [...st.config.rootfs.diff_ids, diffId] };
    st.config.history = [...(st.config.history ?? []), { created: this.#now(), created_by: createdBy, ...(diffId === undefined ? { empty_layer: true } : {}) }];
    const id = await this.#commit(st);
    this.#cache.put(key, id);
    st.say(` ---> ${shortId(id)}\n`);
  }

  #withHeredocs(line: string, files: readonly { name: string; data: string }[]): string {
    if (files.length === 0) return line;
    // `RUN <<EOF` alone: the heredoc is the script (BuildKit runs it with the shell).
    if (files.length === 1 && /^<<-?\s*["']?[^"'\s]+["']?$/.test(line.trim())) return (files[0] as { data: string }).data;
    return `${line}\n${files.map((f) => `${f.data}${f.name}\n`).join('')}`;
  }

  async #arg(st: StageState, cmd: ArgCommand): Promise<void> {
    const texts: string[] = [];
    for (const a of cmd.args) {
      const given = this.#buildArg(a.key);
      let value: string | undefined = given;
      if (value === undefined && a.value !== undefined) value = this.#expand(a.value, this.#vars(st));
      if (value === undefined && this.#globalArgs.has(a.key)) value = this.#globalArgs.get(a.key);
      st.args.set(a.key, value);
      texts.push(a.value !== undefined ? `${a.key}=${a.value}` : a.key);
    }
    await this.#metaStep(st, `ARG ${texts.join(' ')}`, () => undefined);
  }

  /** Build args passed to RUN as environment: declared ARGs with values not shadowed by ENV, plus given proxy args. */
  #runArgs(st: StageState): string[] {
    const env = envMap(st.config.config?.Env);
    const out: string[] = [];
    for (const [k, v] of st.args) if (v !== undefined && !env.has(k)) out.push(`${k}=${v}`);
    for (const k of proxyArgs) {
      const v = this.#r.buildArgs[k];
      if (typeof v === 'string' && !st.args.has(k)) {
        this.#usedArgs.add(k);
        out.push(`${k}=${v}`);
      }
    }
    return out.sort();
  }

  /** A step that changes only the config: one empty_layer history entry. */
  async #metaStep(st: StageState, text: string, mutate: (c: OciContainerConfig) => void, author?: string): Promise<void> {
    // Docker's metadata steps join "#(nop) " and the text as two words (two spaces); WORKDIR, COPY and ADD use one.
    const createdBy = nop(` ${text}`);
    const key = this.#cache.key([st.imageId ?? JSON.stringify(st.config), createdBy]);
    if (await this.#tryCache(st, key, createdBy, mutate)) return;
    const c = clone(st.config.config ?? {});
    mutate(c);
    st.config.config = c;
    if (author !== undefined) st.config.author = author;
    st.config.history = [...(st.config.history ?? []), { created: this.#now(), created_by: createdBy, empty_layer: true }];
    const id = await this.#commit(st);
    this.#cache.put(key, id);
    st.say(` ---> ${shortId(id)}\n`);
  }

  /**
   * Looks the step up in the build cache, then (with --cache-from) in the
   * history of the cache-from images; on a hit the stage moves on to that
   * image and ` ---> Using cache` is printed.
   */
  async #tryCache(st: StageState, key: string, createdBy?: string, mutate?: (c: OciContainerConfig) => void): Promise<boolean> {
    if (this.#r.noCache) return false;
    const fromSources = () => (createdBy === undefined || (this.#r.cacheFrom ?? []).length === 0 ? false : this.#tryCacheFrom(st, key, createdBy, mutate));
    const hit = this.#cache.get(key);
    if (hit === undefined) return fromSources();
    // With --cache-from, dockerd takes a local hit only when it is in a cache-from image's ancestry.
    if ((this.#r.cacheFrom ?? []).length > 0 && !(await this.#cacheFromAncestry()).has(hit)) return fromSources();
    let image: Image;
    try {
      image = await this.#d.images.get(hit);
    } catch (err) {
      // The image of an earlier build is gone (rmi).
      if (isNotFound(err)) return fromSources();
      throw err;
    }
    const { architecture, os, variant, config, rootfs, history, author } = image.config;
    st.imageId = image.id;
    st.config = clone({ architecture, os, ...(variant !== undefined ? { variant } : {}), ...(author !== undefined ? { author } : {}), config: config ?? {}, rootfs, history: history ?? [] });
    st.say(' ---> Using cache\n');
    st.say(` ---> ${shortId(image.id)}\n`);
    return true;
  }

  /** The ids of the --cache-from images and of their parents. */
  async #cacheFromAncestry(): Promise<Set<string>> {
    if (this.#cacheFromChain) return this.#cacheFromChain;
    await this.#cacheSources();
    const out = new Set<string>();
    for (const start of this.#cacheFromIds) {
      let id: string | undefined = start;
      while (id !== undefined && !out.has(id)) {
        out.add(id);
        id = this.#parents.parentOf(id as Digest);
      }
    }
    this.#cacheFromChain = out;
    return out;
  }

  /** The --cache-from images' configs (resolved once; a missing one is skipped, as docker does). */
  async #cacheSources(): Promise<OciImageConfig[]> {
    if (this.#cacheFromConfigs) return this.#cacheFromConfigs;
    const out: OciImageConfig[] = [];
    for (const ref of this.#r.cacheFrom ?? []) {
      try {
        const image = await this.#d.images.resolve(ref);
        this.#cacheFromIds.push(image.id);
        out.push(image.config);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#d.log.info('cache-from image not found', { image: ref });
      }
    }
    this.#cacheFromConfigs = out;
    return out;
  }

  /**
   * The classic builder's --cache-from: a step is a hit when a cache-from
   * image's layers and history start with the stage's so far and its next
   * history entry was made by the same instruction. The stage then takes that
   * entry (and its layer, already in the store) and the step's config change.
   */
  async #tryCacheFrom(st: StageState, key: string, createdBy: string, mutate?: (c: OciContainerConfig) => void): Promise<boolean> {
    const history = st.config.history ?? [];
    const diffIds = st.config.rootfs.diff_ids;
    const same = (a: OciHistory, b: OciHistory) => (a.created_by ?? '') === (b.created_by ?? '') && !!a.empty_layer === !!b.empty_layer && (a.comment ?? '') === (b.comment ?? '');
    for (const src of await this.#cacheSources()) {
      const sh = src.history ?? [];
      const sd = src.rootfs.diff_ids;
      const next = sh[history.length];
      if (next === undefined || (next.created_by ?? '') !== createdBy) continue;
      if (!history.every((h, i) => same(h, sh[i] as OciHistory)) || !diffIds.every((d, i) => sd[i] === d)) continue;
      const layer = next.empty_layer ? undefined : sd[diffIds.length];
      if (!next.empty_layer && layer === undefined) continue;
      const c = clone(st.config.config ?? {});
      mutate?.(c);
      st.config.config = c;
      if (layer !== undefined) st.config.rootfs = { type: 'layers', diff_ids: [...diffIds, layer] };
      st.config.history = [...history, clone(next)];
      const id = await this.#commit(st);
      this.#cache.put(key, id);
      st.say(' ---> Using cache\n');
      st.say(` ---> ${shortId(id)}\n`);
      return true;
    }
    return false;
  }

  /** Writes the stage's current config as an image (its layers already in the store). */
  async #commit(st: StageState): Promise<Digest> {
    const created = this.#now();
    const config: OciImageConfig = { ...clone(st.config), created };
    const layers = config.rootfs.diff_ids.map((d) => ({ blob: d, mediaType: mediaTypes.ociLayer }));
    const image = await this.#d.images.create(config, layers);
    if (st.imageId !== undefined) this.#parents.set(image.id, st.imageId);
    st.imageId = image.id;
    st.config = config;
    return image.id;
  }

  async #ensureImage(st: StageState): Promise<Digest> {
    return st.imageId ?? this.#commit(st);
  }

  // ---- RUN -----------------------------------------------------------------------

  /**
   * RUN --mount: cache dirs kept under the data root by id, tmpfs, and read-only
   * binds of the context or of another stage or image. Secrets and ssh need
   * BuildKit's session, which the classic protocol has not.
   */
  async #runMounts(st: StageState, mounts: readonly RunMount[]): Promise<{ specs: MountSpec[]; targets: string[]; env: string[]; plainEnv: string[]; release(): Promise<void> }> {
    const vars = this.#vars(st);
    const x = (w: string) => this.#expand(w, vars);
    const workdir = st.config.config?.WorkingDir || '/';
    const env: string[] = [];
    /** Variables that are no secret (SSH_AUTH_SOCK). */
    const plainEnv: string[] = [];
    let sshCount = 0;
    const specs: MountSpec[] = [];
    const targets: string[] = [];
    const releases: (() => Promise<void>)[] = [];
    const release = async () => {
      for (const r of releases.splice(0).reverse()) await r().catch((err: unknown) => this.#d.log.warn('releasing a RUN mount failed', { err: errorMessage(err) }));
    };
    try {
      for (const m of mounts) {
        if (m.type === 'secret') {
          const secret = await this.#secretMount(m, x, workdir);
          if (secret === undefined) continue;
          if (secret.env !== undefined) env.push(secret.env);
          for (const sm of secret.mounts) {
            specs.push(sm.spec);
            targets.push(sm.spec.target.replace(/^\/+/, ''));
            releases.push(sm.release);
          }
          continue;
        }
        if (m.type === 'ssh') {
          const ssh = await this.#sshMount(m, x, workdir, sshCount++);
          if (ssh === undefined) continue;
          specs.push(ssh);
          targets.push(ssh.target.replace(/^\/+/, ''));
          if (!plainEnv.some((e) => e.startsWith('SSH_AUTH_SOCK='))) plainEnv.push(`SSH_AUTH_SOCK=${ssh.target}`);
          continue;
        }
        const rawTarget = x(m.target);
        const target = posix.isAbsolute(rawTarget) ? posix.normalize(rawTarget) : posix.join(workdir, rawTarget);
        targets.push(target.replace(/^\/+/, ''));
        if (m.type === 'tmpfs') {
          specs.push({ type: 'tmpfs', source: '', target, readOnly: false, ...(m.sizeLimit > 0 ? { tmpfsSize: m.sizeLimit } : {}) });
        } else if (m.type === 'cache') {
          const id = m.cacheId || target;
          const dir = join(this.#d.cacheMountRoot ?? join(this.#d.tmpDir, '..', 'build-cache-mounts'), sha256(id).slice(7, 31));
          const fresh = !(await stat(dir).then(() => true, () => false));
          await mkdir(dir, { recursive: true, mode: m.mode ?? 0o755 });
          if (fresh && (m.uid !== undefined || m.gid !== undefined)) await chown(dir, m.uid ?? 0, m.gid ?? 0);
          specs.push({ type: 'bind', source: dir, target, readOnly: false });
        } else {
          const from = x(m.from);
          let root = this.#r.contextDir;
          if (from !== '') {
            const src = await this.#sourceRoot(from);
            releases.push(() => src.release());
            root = src.dir;
          }
          const rel = cleanSource(x(m.source || '.'), 'RUN --mount');
          const source = rel === '.' ? root : await resolveInRoot(root, rel);
          specs.push({ type: 'bind', source, target, readOnly: m.readOnly });
        }
      }
    } catch (err) {
      await release();
      throw err;
    }
    return { specs, targets, env, plainEnv, release };
  }

  /**
   * RUN --mount=type=ssh: the client's agent socket forwarded for `id`
   * (default `default`), bind-mounted at the target (default
   * /run/buildkit/ssh_agent.<n>); the step's SSH_AUTH_SOCK names it. A missing
   * one fails the step when `required`, else the mount is skipped.
   */
  async #sshMount(m: RunMount, x: (w: string) => string, workdir: string, n: number): Promise<MountSpec | undefined> {
    const id = x(m.cacheId) || 'default';
    const socket = this.#r.ssh?.get(id);
    if (socket === undefined) {
      if (m.required) throw invalidArgument(`no SSH key ${JSON.stringify(id)} forwarded from the client`);
      return undefined;
    }
    const st = await stat(socket).catch(() => undefined);
    if (!st?.isSocket()) throw invalidArgument(`ssh ${id}: ${socket} is not an agent socket on the daemon's host`);
    const rawTarget = x(m.target);
    const target = rawTarget === '' ? `/run/buildkit/ssh_agent.${n}` : posix.isAbsolute(rawTarget) ? posix.normalize(rawTarget) : posix.join(workdir, rawTarget);
    return { type: 'bind', source: socket, target, readOnly: false };
  }

  /**
   * RUN --mount=type=secret (BuildKit's rules): the secret `id` (default: the
   * target's base name) from the build's secrets, as a read-only file at the
   * target (default /run/secrets/<id>) and/or as the variable `env=`. The file
   * lives in a private directory under the build's scratch space only while
   * the step runs; its mount point is left out of the layer. A missing secret
   * fails the step when `required`, else the mount is skipped.
   */
  async #secretMount(m: RunMount, x: (w: string) => string, workdir: string): Promise<{ env?: string; mounts: { spec: MountSpec; release(): Promise<void> }[] } | undefined> {
    const rawTarget = x(m.target);
    const id = x(m.cacheId) || x(m.source) || (rawTarget !== '' ? posix.basename(rawTarget) : '');
    const data = this.#r.secrets?.get(id);
    if (data === undefined) {
      if (m.required) throw invalidArgument(`secret ${id} not found`);
      return undefined;
    }
    const out: { env?: string; mounts: { spec: MountSpec; release(): Promise<void> }[] } = { mounts: [] };
    const envName = m.env !== undefined && m.env !== '' ? x(m.env) : undefined;
    if (envName !== undefined) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) throw invalidArgument(`invalid secret env name ${JSON.stringify(envName)}`);
      // The value never goes into the container's spec (which is stored): the step's shell reads it from a file.
      out.env = envName;
      out.mounts.push(await this.#secretFile(data, `${secretEnvDir}/${envName}`, 0o400, 0, 0));
    }
    if (rawTarget !== '' || envName === undefined) {
      const target = rawTarget === '' ? `/run/secrets/${id}` : posix.isAbsolute(rawTarget) ? posix.normalize(rawTarget) : posix.join(workdir, rawTarget);
      out.mounts.push(await this.#secretFile(data, target, m.mode ?? 0o400, m.uid ?? 0, m.gid ?? 0));
    }
    return out;
  }

  /** A secret's value in a private scratch file, bind-mounted read-only at `target` while the step runs. */
  async #secretFile(data: Buffer, target: string, mode: number, uid: number, gid: number): Promise<{ spec: MountSpec; release(): Promise<void> }> {
    const dir = await mkdtemp(join(this.#d.tmpDir, 'secret-'));
    const file = join(dir, 'data');
    try {
      await writeFile(file, data, { mode: 0o400 });
      await chmod(file, mode);
      await chown(file, uid, gid);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return { spec: { type: 'bind', source: file, target, readOnly: true }, release: () => rm(dir, { recursive: true, force: true }) };
  }

  async #runCommand(st: StageState, argv: string[], network: string, mounts: readonly RunMount[] = []): Promise<void> {
    const runArgs = this.#runArgs(st);
    const createdBy = [...(runArgs.length > 0 ? [`|${runArgs.length}`, ...runArgs] : []), ...argv].join(' ');
    const key = this.#cache.key([st.imageId ?? JSON.stringify(st.config), 'RUN', createdBy, ...(mounts.length > 0 ? [JSON.stringify(mounts)] : [])]);
    if (await this.#tryCache(st, key, createdBy)) return;
    // dockerd checks the hosts when it creates the step's container.
    checkExtraHosts(this.#r.extraHosts ?? []);
    if (this.#r.runLimits) checkRunLimits(this.#r.runLimits, availableParallelism());
    const image = await this.#ensureImage(st);
    const c = st.config.config ?? {};
    let containerId: string | undefined;
    let ok = false;
    const runMounts = await this.#runMounts(st, mounts);
    try {
      const result = await runStep(
        this.#d.containers,
        {
          image,
          argv: withSecretEnv(argv, runMounts.env),
          env: [...(c.Env ?? [defaultPath]), ...runArgs, ...runMounts.plainEnv],
          workingDir: c.WorkingDir ?? '',
          user: c.User ?? '',
          networkMode: runNetworkMode(network, this.#r.networkMode),
          mounts: runMounts.specs,
          ...(this.#r.runLimits ? { limits: this.#r.runLimits } : {}),
          ...(this.#r.extraHosts ? { extraHosts: this.#r.extraHosts } : {}),
        },
        {
          onCreated: (id) => {
            containerId = id;
            st.say(` ---> Running in ${shortId(id)}\n`);
            if (this.#r.runLimits) checkRunShares(this.#r.runLimits);
          },
          // The classic builder shows the step's stderr in red (ANSI 91), as docker's clients expect.
          onOutput: (text, stream) => st.say(stream === 'stderr' ? `\x1b[91m${text}\x1b[0m` : text),
          ...(this.#r.signal ? { signal: this.#r.signal } : {}),
        },
      );
      if (result.exitCode !== 0) {
        throw new StepFailedError(`The command '${argv.join(' ')}' returned a non-zero code: ${result.exitCode}`, result.exitCode);
      }
      const upper = this.#d.snapshotter.rootfsPaths(result.id, []).upper;
      const exclude = new Set([...runtimeMountPoints, ...runMounts.targets]);
      const diff = await diffToLayer(upper, this.#d.blobs, { overlay: true, exclude, ...(this.#epoch !== undefined ? { epoch: this.#epoch } : {}) });
      st.config.rootfs = { type: 'layers', diff_ids: [...st.config.rootfs.diff_ids, diff.diffId] };
      st.config.history = [...(st.config.history ?? []), { created: this.#now(), created_by: createdBy }];
      const id = await this.#commit(st);
      this.#cache.put(key, id);
      ok = true;
      if (this.#r.rm) {
        st.say(`Removing intermediate container ${shortId(result.id)}\n`);
        await this.#d.containers.remove(result.id, { force: true });
      }
      st.say(` ---> ${shortId(id)}\n`);
    } finally {
      await runMounts.release();
      // A cancelled build (client gone) leaves no running step behind.
      if (!ok && containerId !== undefined && (this.#r.forceRm || this.#r.signal?.aborted === true)) {
        if (this.#r.forceRm) st.say(`Removing intermediate container ${shortId(containerId)}\n`);
        await this.#d.containers.remove(containerId, { force: true }).catch((err: unknown) => this.#d.log.warn('removing a failed build container failed', { container: containerId, err: errorMessage(err) }));
      }
    }
  }

  // ---- COPY / ADD ----------------------------------------------------------------

  async #copy(st: StageState, cmd: CopyCommand | AddCommand): Promise<void> {
    const vars = this.#vars(st);
    const x = (w: string) => this.#expand(w, vars);
    const what = cmd.kind;
    if (cmd.kind === 'ADD') {
      for (const s of cmd.sources) if (/^git:\/\/|\.git$|^git@/.test(s)) throw notImplemented(`${what} failed: berth does not support ADD of a git repository yet: ${s}`);
    }
    if (cmd.exclude.length > 0) throw notImplemented(`${what} --exclude is not supported by berth yet`);
    if (cmd.kind === 'COPY' && cmd.parents) throw notImplemented('COPY --parents is not supported by berth yet');
    // --link only changes how BuildKit stores the layer; the files are the same.
    const from = cmd.kind === 'COPY' ? x(cmd.from) : '';
    const sources = cmd.sources.map(x);
    let dest = x(cmd.dest);
    const workdir = st.config.config?.WorkingDir || '/';
    if (!dest.startsWith('/')) dest = posix.join(workdir, dest) + (dest.endsWith('/') || dest === '.' ? '/' : '');
    const chmodValue = cmd.chmod ? parseOctal(x(cmd.chmod)) : undefined;
    const chown = cmd.chown ? x(cmd.chown) : '';

    const srcMount = from === '' ? undefined : await this.#sourceRoot(from);
    const urls = what === 'ADD' ? sources.filter((u) => /^https?:\/\//.test(u)) : [];
    const download = urls.length > 0 ? await fetchUrls(urls, this.#d.tmpDir) : undefined;
    try {
      const srcRoot = srcMount?.dir ?? this.#r.contextDir;
      const locals = sources.filter((u) => !urls.includes(u));
      const found: CopySource[] = [...(locals.length > 0 ? await resolveSources(srcRoot, locals, what) : []), ...(download?.files ?? [])];
      const inline = cmd.sourceContents.map((s) => ({ name: s.path, data: s.expand ? x(s.data) : s.data }));
      const hash = await hashSources(found);
      const inlineHash = sha256(JSON.stringify(inline)).slice(7, 19);
      const kind = found.length === 1 && inline.length === 0 ? 'file' : 'multi';
      const createdBy = nop(`${what} ${kind}:${hash}${inline.length > 0 ? `+${inlineHash}` : ''} in ${dest} `);
      const key = this.#cache.key([st.imageId ?? JSON.stringify(st.config), createdBy, from, chown, String(chmodValue ?? '')]);
      if (await this.#tryCache(st, key, createdBy)) return;

      const mount = await this.#mountLayers(st.config.rootfs.diff_ids);
      let diffId: Digest;
      try {
        const owner = chown ? await this.#owner(mount.merged, chown) : undefined;
        await copyInto({
          sources: found,
          inline,
          dest,
          destRoot: mount.merged,
          ...(owner ? { owner } : {}),
          ...(chmodValue !== undefined ? { mode: chmodValue } : {}),
          add: what === 'ADD',
          tmpDir: this.#d.tmpDir,
          what,
        });
        await this.#d.snapshotter.unmountRootfs(mount.id);
        diffId = (await diffToLayer(mount.upper, this.#d.blobs, { overlay: true, ...(this.#epoch !== undefined ? { epoch: this.#epoch } : {}) })).diffId;
      } finally {
        await this.#d.snapshotter.removeRootfs(mount.id);
      }
      st.config.rootfs = { type: 'layers', diff_ids: [...st.config.rootfs.diff_ids, diffId] };
      st.config.history = [...(st.config.history ?? []), { created: this.#now(), created_by: createdBy } satisfies OciHistory];
      const id = await this.#commit(st);
      this.#cache.put(key, id);
      st.say(` ---> ${shortId(id)}\n`);
    } finally {
      await srcMount?.release();
      await download?.dispose();
    }
  }

  async #owner(rootfs: string, chown: string): Promise<{ uid: number; gid: number }> {
    const [user = '', group] = chown.split(':');
    const u = await resolveUser(rootfs, group !== undefined ? `${user}:${group}` : user);
    return { uid: u.uid, gid: group !== undefined ? u.gid : /^\d+$/.test(user) ? u.uid : u.gid };
  }

  /** The root of `COPY --from`: an earlier stage's result or an image, mounted for reading. */
  async #sourceRoot(from: string): Promise<{ dir: string; release(): Promise<void> }> {
    const stageIndex = this.#stageByName(from, this.#instructions.stages.length);
    let diffIds: readonly Digest[];
    if (stageIndex !== undefined) {
      const config = this.#stageConfigs.get(stageIndex);
      if (config === undefined) throw invalidArgument(`COPY --from=${from}: stage ${from} is not built before this one`);
      diffIds = config.rootfs.diff_ids;
    } else {
      diffIds = (await this.#baseImage(from)).config.rootfs.diff_ids;
    }
    const m = await this.#mountLayers(diffIds);
    return {
      dir: m.merged,
      release: () => this.#d.snapshotter.removeRootfs(m.id),
    };
  }

  /** Mounts an overlay over the given layers (bottom first) under a build-only id. */
  async #mountLayers(diffIds: readonly Digest[]): Promise<{ id: string; merged: string; upper: string }> {
    const id = `build-${newId().slice(0, 24)}`;
    const lower = chainIds(diffIds).reverse();
    try {
      const merged = await this.#d.snapshotter.mountRootfs(id, lower);
      return { id, merged, upper: this.#d.snapshotter.rootfsPaths(id, lower).upper };
    } catch (err) {
      await this.#d.snapshotter.removeRootfs(id).catch(() => undefined);
      throw err;
    }
  }
}

/** Runs one build; throws the step's error (StepFailedError for a failing RUN). */
export async function runBuild(deps: BuildDeps, req: BuildRequest, emit: BuildEmit): Promise<BuildResult> {
  const b = new Build(deps, req, emit);
  try {
    return await b.run();
  } catch (err) {
    if (err instanceof Error && !(err instanceof BerthError)) throw invalidArgument(errorMessage(err), err);
    throw err;
  }
}

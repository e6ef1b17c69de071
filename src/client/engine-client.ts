// client: a typed Docker Engine API client over the daemon's unix socket
// (node:http with `socketPath`), API version prefix /v1.47. Failed responses
// become BerthErrors of the kind matching their status, with the daemon's message.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { unixRequest } from './unix-http.ts';
import type { UnixRequest, UnixResponse } from './unix-http.ts';
import { bunConnect, bunExchange } from './bun-exchange.ts';
import { errorFromResponse } from './errors-from-status.ts';
import { resolveDaemonAddress } from './docker-host.ts';
import type {
  ContainerCreateBody, ContainerCreateResponse, ContainerInspect, ContainerSummary, ContainerWaitResponse,
  Filters, HistoryItem, ImageDeleteItem, ImageInspect, ImageSummary, SystemInfo, VersionInfo,
} from './types.ts';

export const apiVersion = '1.47';

/** Arrays repeat the key (`names=a&names=b`), as docker's API expects. */
export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions {
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A JSON value, or a stream/buffer sent as-is. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly signal?: AbortSignal;
  /** Send without the /vX.Y prefix (the ping that negotiates the version). */
  readonly unversioned?: boolean;
}

export interface ClientOptions {
  /** `unix:///path` or a path; default DOCKER_HOST, then /run/berth/berth.sock. */
  readonly host?: string;
  /** Without the `v`: "1.47". Empty string: unversioned paths. */
  readonly version?: string;
  /**
   * false: keep `version` even when the daemon is older (docker's
   * DOCKER_API_VERSION, which turns negotiation off). Default true.
   */
  readonly negotiate?: boolean;
  /**
   * Called once when the socket refuses a connection (nothing was sent yet);
   * resolving true retries the request — the CLI starts berthd here.
   */
  readonly onConnectFailure?: (err: unknown) => Promise<boolean>;
}

/** True for errors that mean nothing is listening on the socket. */
export function isConnectError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT';
}

/** The hijacked connection of an attach: `head` holds bytes read with the 101. */
export interface HijackedStream {
  readonly socket: Socket;
  readonly head: Buffer;
  /** Set when the daemon answered without upgrading: the output to read instead of the socket. */
  readonly output?: Readable;
}

export interface LogsOptions {
  readonly follow?: boolean;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
  readonly since?: string;
  readonly until?: string;
  readonly timestamps?: boolean;
  readonly tail?: string;
}

/** docker's ExecConfig as `POST /containers/{id}/exec` takes it. */
export interface ExecCreateBody {
  Cmd: string[];
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Privileged?: boolean;
  DetachKeys?: string;
  ConsoleSize?: [number, number];
}

export interface ExecStartBody {
  Tty?: boolean;
  ConsoleSize?: [number, number];
}

export interface ExecInspect {
  readonly ID: string;
  readonly Running: boolean;
  readonly ExitCode: number | null;
  readonly ContainerID: string;
  readonly Pid?: number;
}

export interface AttachOptions {
  readonly stdin?: boolean;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
  readonly logs?: boolean;
  readonly detachKeys?: string;
}

function isStream(v: unknown): v is Readable {
  return typeof v === 'object' && v !== null && typeof (v as Readable).pipe === 'function';
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export class EngineClient {
  readonly socketPath: string;
  readonly isDefaultHost: boolean;
  #prefix: string;
  #negotiated = false;
  #onConnectFailure: ((err: unknown) => Promise<boolean>) | undefined;

  constructor(options: ClientOptions = {}) {
    const addr = resolveDaemonAddress(options.host);
    this.socketPath = addr.socketPath;
    this.isDefaultHost = addr.isDefault;
    const version = options.version ?? apiVersion;
    this.#prefix = version === '' ? '' : `/v${version}`;
    this.#negotiated = options.negotiate === false;
    this.#onConnectFailure = options.onConnectFailure;
  }

  /** The full request path with the version prefix and the query string. */
  path(path: string, query?: Readonly<Record<string, QueryValue>>, unversioned = false): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) {
        for (const item of v as readonly string[]) qs.append(k, item);
        continue;
      }
      qs.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    const s = qs.toString();
    return (unversioned ? '' : this.#prefix) + path + (s ? `?${s}` : '');
  }

  /** Sends a request and resolves once the headers arrive; throws on status >= 400. */
  response(method: string, path: string, options: RequestOptions = {}): Promise<UnixResponse> {
    return this.#send(method, path, options, unixRequest, async (res) => (await readAll(res.body)).toString('utf8'));
  }

  /**
   * Sends a request through `transport` (unix-http's streamed answer, or
   * bun-exchange's whole one), negotiating the API version and starting the
   * daemon as needed; throws on status >= 400.
   */
  async #send<R extends { readonly status: number }>(method: string, path: string, options: RequestOptions, transport: (req: UnixRequest) => Promise<R>, bodyText: (res: R) => Promise<string>): Promise<R> {
    const headers: Record<string, string | number> = { ...options.headers };
    let payload: Buffer | Readable | undefined;
    if (isStream(options.body)) {
      payload = options.body;
      headers['Content-Type'] ??= 'application/x-tar';
    } else if (Buffer.isBuffer(options.body)) {
      payload = options.body;
    } else if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['Content-Type'] = 'application/json';
    }
    // A stream body can be sent once only: settle the API version before sending it.
    if (isStream(payload) && !this.#negotiated && !options.unversioned) this.negotiate((await this.ping()).apiVersion);
    const send = () => transport({
      socketPath: this.socketPath, method, path: this.path(path, options.query, options.unversioned), headers,
      ...(payload !== undefined ? { body: payload } : {}), ...(options.signal ? { signal: options.signal } : {}),
    });
    let res: R;
    try {
      res = await send();
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      if ((code === 'EPIPE' || code === 'ECONNRESET') && !this.#negotiated && !isStream(payload) && !options.unversioned) {
        // An older daemon may refuse our API version before reading the body and
        // close the connection under our write: negotiate, then retry once.
        this.negotiate((await this.ping()).apiVersion);
        res = await send();
      } else {
        const hook = this.#onConnectFailure;
        this.#onConnectFailure = undefined;
        if (!isConnectError(e) || !hook || !(await hook(e))) throw e;
        res = await send();
      }
    }
    // An older daemon refuses our version: negotiate as docker does, then retry.
    if (res.status === 400 && !this.#negotiated && !options.unversioned && !isStream(payload)) {
      const body = await bodyText(res);
      if (!/client version .* is too new/i.test(body)) throw errorFromResponse(res.status, body);
      this.negotiate((await this.ping()).apiVersion);
      res = await send();
    }
    if (res.status >= 400) throw errorFromResponse(res.status, await bodyText(res));
    return res;
  }

  /** Sends a request and returns the body as a stream; throws on status >= 400. */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<Readable> {
    return (await this.response(method, path, options)).body;
  }

  /**
   * Sends a request and returns the whole body; 304 and 204 give an empty body.
   * On Bun (the compiled CLI) a request without a stream body goes through
   * Bun's own sockets (bun-exchange.ts), the same bytes without node:net.
   */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: Buffer; headers: Readonly<Record<string, string>> }> {
    const connect = bunConnect;
    if (connect && !isStream(options.body)) {
      const res = await this.#send(method, path, options, ({ body, ...req }) => bunExchange(connect, { ...req, ...(Buffer.isBuffer(body) ? { body } : {}) }), async (r) => r.body.toString('utf8'));
      return { status: res.status, body: res.body, headers: res.headers };
    }
    const res = await this.response(method, path, options);
    return { status: res.status, body: await readAll(res.body), headers: res.headers };
  }

  /** The API version in use ("1.47"), or "" for unversioned paths. */
  get apiVersion(): string {
    return this.#prefix.slice(2);
  }

  /** Lowers the API version to the daemon's when the daemon is older (docker's negotiation). */
  negotiate(serverVersion: string | undefined): void {
    this.#negotiated = true;
    if (!serverVersion || this.#prefix === '') return;
    const [sa = 0, sb = 0] = serverVersion.split('.').map(Number);
    const [ca = 0, cb = 0] = this.apiVersion.split('.').map(Number);
    if (sa < ca || (sa === ca && sb < cb)) this.#prefix = `/v${serverVersion}`;
  }

  /** Sends a request and parses the JSON answer (undefined for an empty body). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { body } = await this.raw(method, path, options);
    if (body.length === 0) return undefined as T;
    return JSON.parse(body.toString('utf8')) as T;
  }

  /** Opens a hijacked connection (`Upgrade: tcp`), as attach does. */
  async hijack(path: string, query: Readonly<Record<string, QueryValue>>): Promise<HijackedStream> {
    const res = await this.response('POST', path, {
      query, headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Type': 'text/plain' },
    });
    // A daemon that does not upgrade streams over plain HTTP: read the decoded body.
    if (res.status !== 101) return { socket: res.socket, head: Buffer.alloc(0), output: res.body };
    return { socket: res.socket, head: res.head };
  }

  // --- system ---
  /** GET /_ping; `apiVersion` is the daemon's `API-Version` header. */
  async ping(signal?: AbortSignal): Promise<{ body: string; apiVersion?: string }> {
    const { body, headers } = await this.raw('GET', '/_ping', { unversioned: true, ...(signal ? { signal } : {}) });
    const v = headers['api-version'];
    return { body: body.toString('utf8'), ...(v !== undefined ? { apiVersion: v } : {}) };
  }
  version(): Promise<VersionInfo> { return this.json('GET', '/version'); }
  info(): Promise<SystemInfo> { return this.json('GET', '/info'); }

  // --- containers ---
  containerCreate(body: ContainerCreateBody, options: { name?: string; platform?: string } = {}): Promise<ContainerCreateResponse> {
    return this.json('POST', '/containers/create', { query: { name: options.name, platform: options.platform }, body });
  }
  async containerStart(id: string): Promise<void> {
    await this.raw('POST', `/containers/${encodeURIComponent(id)}/start`);
  }
  async containerStop(id: string, options: { t?: number; signal?: string } = {}): Promise<void> {
    await this.raw('POST', `/containers/${encodeURIComponent(id)}/stop`, { query: { t: options.t, signal: options.signal } });
  }
  async containerRestart(id: string, options: { t?: number; signal?: string } = {}): Promise<void> {
    await this.raw('POST', `/containers/${encodeURIComponent(id)}/restart`, { query: { t: options.t, signal: options.signal } });
  }
  async containerKill(id: string, options: { signal?: string } = {}): Promise<void> {
    await this.raw('POST', `/containers/${encodeURIComponent(id)}/kill`, { query: { signal: options.signal } });
  }
  async containerRemove(id: string, options: { force?: boolean; v?: boolean; link?: boolean } = {}): Promise<void> {
    await this.raw('DELETE', `/containers/${encodeURIComponent(id)}`, { query: { force: options.force || undefined, v: options.v || undefined, link: options.link || undefined } });
  }
  containerWait(id: string, options: { condition?: 'not-running' | 'next-exit' | 'removed'; signal?: AbortSignal } = {}): Promise<ContainerWaitResponse> {
    return this.json('POST', `/containers/${encodeURIComponent(id)}/wait`, {
      query: { condition: options.condition }, ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  containerList(options: { all?: boolean; limit?: number; size?: boolean; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    const filters = options.filters && Object.keys(options.filters).length > 0 ? JSON.stringify(options.filters) : undefined;
    return this.json('GET', '/containers/json', {
      query: { all: options.all || undefined, limit: options.limit, size: options.size || undefined, filters },
    });
  }
  containerInspect(id: string, options: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${encodeURIComponent(id)}/json`, { query: { size: options.size || undefined } });
  }
  containerLogs(id: string, options: LogsOptions): Promise<Readable> {
    return this.stream('GET', `/containers/${encodeURIComponent(id)}/logs`, {
      query: {
        follow: options.follow || undefined, stdout: options.stdout ?? true, stderr: options.stderr ?? true,
        since: options.since, until: options.until, timestamps: options.timestamps || undefined, tail: options.tail,
      },
    });
  }
  containerAttach(id: string, options: AttachOptions): Promise<HijackedStream> {
    return this.hijack(`/containers/${encodeURIComponent(id)}/attach`, {
      stream: true, stdin: options.stdin ?? false, stdout: options.stdout ?? true, stderr: options.stderr ?? true,
      logs: options.logs || undefined, detachKeys: options.detachKeys,
    });
  }

  // --- exec ---
  execCreate(container: string, body: ExecCreateBody): Promise<{ Id: string }> {
    return this.json('POST', `/containers/${encodeURIComponent(container)}/exec`, { body });
  }
  /** POST /exec/{id}/start detached: returns once the process runs. */
  async execStartDetached(id: string, body: ExecStartBody): Promise<void> {
    await this.raw('POST', `/exec/${encodeURIComponent(id)}/start`, { body: { ...body, Detach: true } });
  }
  /** POST /exec/{id}/start attached: the hijacked stream of the process's stdio. */
  async execStartAttached(id: string, body: ExecStartBody): Promise<HijackedStream> {
    const res = await this.response('POST', `/exec/${encodeURIComponent(id)}/start`, {
      body: { ...body, Detach: false }, headers: { Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    if (res.status !== 101) return { socket: res.socket, head: Buffer.alloc(0), output: res.body };
    return { socket: res.socket, head: res.head };
  }
  async execResize(id: string, size: { height: number; width: number }): Promise<void> {
    await this.raw('POST', `/exec/${encodeURIComponent(id)}/resize`, { query: { h: size.height, w: size.width } });
  }
  execInspect(id: string): Promise<ExecInspect> {
    return this.json('GET', `/exec/${encodeURIComponent(id)}/json`);
  }

  /** POST /containers/{id}/resize: the TTY's size in rows (h) and columns (w). */
  async containerResize(id: string, size: { height: number; width: number }): Promise<void> {
    await this.raw('POST', `/containers/${encodeURIComponent(id)}/resize`, { query: { h: size.height, w: size.width } });
  }

  // --- images ---
  imageList(options: { all?: boolean; filters?: Filters; digests?: boolean } = {}): Promise<ImageSummary[]> {
    const filters = options.filters && Object.keys(options.filters).length > 0 ? JSON.stringify(options.filters) : undefined;
    return this.json('GET', '/images/json', { query: { all: options.all || undefined, filters, digests: options.digests || undefined } });
  }
  imageInspect(name: string): Promise<ImageInspect> {
    return this.json('GET', `/images/${encodeURIComponent(name)}/json`);
  }
  imageHistory(name: string): Promise<HistoryItem[]> {
    return this.json('GET', `/images/${encodeURIComponent(name)}/history`);
  }
  async imageTag(source: string, repo: string, tag?: string): Promise<void> {
    await this.raw('POST', `/images/${encodeURIComponent(source)}/tag`, { query: { repo, tag } });
  }
  imageRemove(name: string, options: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return this.json('DELETE', `/images/${encodeURIComponent(name)}`, { query: { force: options.force || undefined, noprune: options.noprune || undefined } });
  }
  /** POST /images/create?fromSrc=- with the tar as body; the answer is a JSON-message stream. */
  imageImport(source: Readable, options: { repo?: string; tag?: string; message?: string; changes?: readonly string[] } = {}): Promise<Readable> {
    const query: Record<string, QueryValue> = {
      fromSrc: '-', repo: options.repo, tag: options.tag, message: options.message, changes: options.changes,
    };
    return this.stream('POST', '/images/create', { query, body: source });
  }
  /** POST /images/create?fromImage= (a pull); the answer is a JSON-message stream. */
  imagePull(fromImage: string, tag?: string): Promise<Readable> {
    return this.stream('POST', '/images/create', { query: { fromImage, tag } });
  }
  imageLoad(source: Readable, options: { quiet?: boolean } = {}): Promise<Readable> {
    return this.stream('POST', '/images/load', { query: { quiet: options.quiet ?? false }, body: source });
  }
  imageSave(names: readonly string[]): Promise<Readable> {
    return this.stream('GET', '/images/get', { query: { names } });
  }
}

// The Engine API server: node:http on a unix socket, versioned and unversioned
// paths, the route table, hijacked connections for attach, and the one place
// where an error becomes an HTTP status and `{"message": …}`.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { listenUnixSocket } from './unix-listen.ts';
import { errorMessage, invalidArgument, isBerthError } from '../core/errors.ts';
import type { Engine } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';
import { statusOf } from './error-status.ts';
import { sendJson } from './http-util.ts';
import { cleanRedirect } from './clean-path.ts';
import { badEscape, parseQuery } from './url-escape.ts';
import { engineApiRoutes } from './known-routes.ts';
import { compileRoute, matchRoute, Router } from './router.ts';
import { addContainerRoutes } from './routes/containers.ts';
import { addExecRoutes } from './routes/exec.ts';
import { addCheckpointRoutes } from './routes/checkpoints.ts';
import { addContainerControlRoutes } from './routes/container-control.ts';
import { addContainerUpdateRoute } from './routes/container-update.ts';
import { addContainerFileRoutes } from './routes/container-files.ts';
import { addImageRoutes } from './routes/images.ts';
import { addBuildRoutes } from './routes/build.ts';
import { addNetworkRoutes } from './routes/networks.ts';
import { addPluginRoutes } from './routes/plugins.ts';
import { addSwarmRoutes } from './routes/swarm.ts';
import { addRegistryRoutes } from './routes/registry.ts';
import { addSystemRoutes } from './routes/system.ts';
import { addVolumeRoutes } from './routes/volumes.ts';
import { addSystemDfRoute } from './routes/system-df.ts';
import { addEventRoutes } from './routes/events.ts';
import { addStatsRoutes } from './routes/stats.ts';
import { addPruneRoutes } from './routes/prune.ts';
import { maxApiVersion, minApiVersion, splitVersion, versionLess } from './version.ts';
import { serverVersion } from '../engine/index.ts';
import { spanStart, tracing } from '../lib/index.ts';

export interface ApiServer {
  readonly server: Server;
  /**
   * Listens on a unix socket (a stale socket file is removed first), mode 0660,
   * group `gid` (default: berthd's own); never reachable wider than that.
   */
  listenUnix(path: string, options?: { gid?: number }): Promise<void>;
  close(): Promise<void>;
}

const knownRoutes = engineApiRoutes.map(([method, path]) => compileRoute(method, path, path));

export function buildRouter(): Router {
  const router = new Router();
  addSystemRoutes(router);
  addPruneRoutes(router);
  addContainerRoutes(router);
  addExecRoutes(router);
  addContainerControlRoutes(router);
  addCheckpointRoutes(router);
  addContainerUpdateRoute(router);
  addContainerFileRoutes(router);
  addImageRoutes(router);
  addBuildRoutes(router);
  addVolumeRoutes(router);
  addSystemDfRoute(router);
  addEventRoutes(router);
  addStatsRoutes(router);
  addRegistryRoutes(router);
  addNetworkRoutes(router);
  addPluginRoutes(router);
  addSwarmRoutes(router);
  return router;
}

export interface ApiServerOptions {
  readonly engine: Engine;
  readonly log: Logger;
  /** Called as each request begins and as its answer closes (berthd trims its memory once these stop). */
  readonly onActivity?: () => void;
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const { engine, log } = options;
  const activity = options.onActivity ?? (() => undefined);
  const router = buildRouter();
  const sockets = new Set<Duplex>();
  const listening: string[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse, upgrade?: { socket: Duplex; head: Buffer }) => {
    const started = Date.now();
    activity();
    res.once('close', activity);
    const method = req.method ?? 'GET';
    if (tracing) {
      const end = spanStart(`api ${method} ${(req.url ?? '').replace(/\/containers\/[0-9a-f]{64}/, '/containers/{id}').slice(0, 100)}`);
      res.once('close', () => end(res.statusCode < 400));
    }
    const clean = cleanRedirect(req.url ?? '/');
    if (clean !== undefined) {
      res.writeHead(301, { Location: clean, 'Content-Length': 0 }).end();
      return;
    }
    let url: URL;
    let query: URLSearchParams;
    try {
      url = new URL(req.url ?? '/', 'http://berth');
      const bad = badEscape(url.pathname);
      if (bad !== undefined) throw invalidArgument(bad);
      query = parseQuery(url.search.slice(1));
    } catch (err) {
      // Go's net/http refuses a target it cannot parse with 400 before any handler.
      sendJson(res, 400, { message: isBerthError(err) ? errorMessage(err) : `parse ${JSON.stringify(req.url ?? '')}: invalid URI for request` });
      return;
    }
    res.setHeader('Api-Version', maxApiVersion);
    res.setHeader('Docker-Experimental', 'false');
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', `Berth/${serverVersion} (linux)`);
    const ac = new AbortController();
    const abort = () => ac.abort(new Error('client disconnected'));
    // A keep-alive connection carries many requests: its listener goes with this request's answer,
    // or each request would stay reachable (its controller, logger, closures) until the client hangs up.
    const connection = upgrade?.socket ?? req.socket;
    connection.once('close', abort);
    res.once('close', () => {
      connection.off('close', abort);
      if (!res.writableFinished) abort();
    });
    const reqLog = log.with({ method, path: url.pathname });
    try {
      const { version, rest } = splitVersion(url.pathname);
      if (version !== undefined) {
        if (versionLess(maxApiVersion, version)) {
          sendJson(res, 400, { message: `client version ${version} is too new. Maximum supported API version is ${maxApiVersion}` });
          return;
        }
        if (versionLess(version, minApiVersion)) {
          sendJson(res, 400, { message: `client version ${version} is too old. Minimum supported API version is ${minApiVersion}, please upgrade your client to a newer version` });
          return;
        }
      }
      const match = router.match(method, rest);
      if (!match) {
        const known = matchRoute(knownRoutes, method, rest);
        if (known) sendJson(res, 501, { message: `berth does not implement ${method} ${known.route.value} yet` });
        else sendJson(res, 404, { message: 'page not found' });
        return;
      }
      await match.handler({
        req,
        res,
        params: match.params,
        query,
        version: version ?? maxApiVersion,
        engine,
        log: reqLog,
        signal: ac.signal,
        ...(upgrade ? { upgrade } : {}),
      });
    } catch (err) {
      const status = statusOf(err);
      if (status >= 500) reqLog.error('request failed', { status, err: errorMessage(err) });
      else reqLog.debug('request refused', { status, err: errorMessage(err) });
      if ((res as { _hijacked?: boolean })._hijacked) {
        (upgrade?.socket ?? req.socket).destroy();
      } else if (!res.headersSent) {
        // A body the handler left unread (it refused before reading it, or stopped at a bad
        // entry) is read and dropped before the answer, for at most 30 s, as dockerd's
        // answers show: a client still sending it (docker cp's tar) then reads the error,
        // where closing on it would give it a broken pipe. Past that, the connection
        // closes after the answer.
        if (!req.complete) await discardBody(req, unreadBodyWaitMs);
        if (!req.complete) res.setHeader('Connection', 'close');
        sendJson(res, status, { message: isBerthError(err) || status !== 500 ? errorMessage(err) : `internal error: ${errorMessage(err)}` });
      } else {
        res.destroy();
      }
    } finally {
      reqLog.debug('request done', { status: res.statusCode, ms: Date.now() - started });
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // Image loads and followed logs can take as long as they take.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    void handle(req, res, { socket, head });
  });

  return {
    server,
    async listenUnix(path: string, options: { gid?: number } = {}) {
      await listenUnixSocket(server, path, options.gid ?? process.getgid?.() ?? 0);
      listening.push(path);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Followed logs and attach streams never end on their own.
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      // The socket was renamed into place, so the runtime unlinks only its first name.
      await Promise.all(listening.map((p) => rm(p, { force: true })));
    },
  };
}

/** How long an unread request body is read and dropped before an error answer. */
const unreadBodyWaitMs = 30_000;

/** Reads and drops what is left of a request body, until it ends or `ms` pass; resolves either way. */
function discardBody(req: IncomingMessage, ms: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('error', done);
      req.off('close', done);
      if (!req.complete) req.pause();
      resolve();
    };
    const onData = () => undefined;
    const timer = setTimeout(done, ms);
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    req.resume();
  });
}

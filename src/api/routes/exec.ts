// Exec routes: create an exec instance in a container, start it (hijacked
// stream, or detached), resize its TTY, inspect it for its exit code.
import { errorMessage, internal, invalidArgument, isConflict, isInvalidArgument, notFound, notImplemented } from '../../core/errors.ts';
import { detachKeyBytes } from '../../lib/detach-keys.ts';
import type { Engine, ExecService, ExecSpec } from '../../engine/index.ts';
import { defaultDetachKeys, hijack, parseDetachKeys, pumpAttachment, readUpgradeBody } from '../attach-stream.ts';
import { versionLess } from '../version.ts';
import { readJson, sendJson } from '../http-util.ts';
import { frame } from '../mux.ts';
import type { Router } from '../router.ts';
import { terminalSizeQuery } from './containers.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's encoding/json: a field takes the key spelled exactly, else one that equals it ignoring case (docker-py sends `detachKeys`). */
function goKey(o: Obj, key: string): unknown {
  if (Object.hasOwn(o, key)) return o[key];
  const lower = key.toLowerCase();
  const found = Object.keys(o).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : o[found];
}

function field<T>(o: Obj, key: string, check: (v: unknown) => v is T, want: string): T | undefined {
  const v = goKey(o, key);
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw invalidArgument(`invalid ${key}: expected ${want}`);
  return v;
}

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isSize = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && (n as number) >= 0);

function execs(engine: Engine): ExecService {
  if (!engine.execs) throw notImplemented('exec is not available');
  return engine.execs;
}

/** The exec create body (docker's ExecConfig). */
export function execSpecFromBody(body: unknown): ExecSpec {
  const o = isObj(body) ? body : {};
  const detachKeys = field(o, 'DetachKeys', isStr, 'a string') ?? '';
  // dockerd's exec create fails with a plain error (500) and its own words for bad keys.
  if (detachKeys !== '' && !detachKeyBytes(detachKeys)) throw internal(`Invalid escape keys (${detachKeys}) provided`);
  const size = field(o, 'ConsoleSize', isSize, 'an array of two unsigned integers');
  return {
    cmd: field(o, 'Cmd', isStrList, 'an array of strings') ?? [],
    env: field(o, 'Env', isStrList, 'an array of strings') ?? [],
    user: field(o, 'User', isStr, 'a string') ?? '',
    workingDir: field(o, 'WorkingDir', isStr, 'a string') ?? '',
    tty: field(o, 'Tty', isBool, 'a boolean') ?? false,
    attachStdin: field(o, 'AttachStdin', isBool, 'a boolean') ?? false,
    attachStdout: field(o, 'AttachStdout', isBool, 'a boolean') ?? false,
    attachStderr: field(o, 'AttachStderr', isBool, 'a boolean') ?? false,
    privileged: field(o, 'Privileged', isBool, 'a boolean') ?? false,
    detachKeys,
    ...(size && size[0] > 0 && size[1] > 0 ? { consoleSize: size } : {}),
  };
}

export function addExecRoutes(router: Router): void {
  router.add('POST', '/containers/{id}/exec', async ({ req, res, params, engine }) => {
    const spec = execSpecFromBody(await readJson(req));
    const id = await execs(engine).create(params['id']!, spec);
    sendJson(res, 201, { Id: id });
  });

  router.add('GET', '/exec/{id}/json', async ({ res, params, engine }) => {
    const e = execs(engine).inspect(params['id']!);
    const [entrypoint = '', ...args] = e.spec.cmd;
    sendJson(res, 200, {
      CanRemove: false,
      ContainerID: e.containerId,
      // dockerd keeps the parsed keys as []byte, which Go's JSON shows in base64 ('' when none were given).
      DetachKeys: e.spec.detachKeys ? parseDetachKeys(e.spec.detachKeys).toString('base64') : '',
      ExitCode: e.exitCode,
      ID: e.id,
      OpenStderr: e.spec.attachStderr,
      OpenStdin: e.spec.attachStdin,
      OpenStdout: e.spec.attachStdout,
      // dockerd's ExecProcessConfig.User is omitempty.
      ProcessConfig: { arguments: args, entrypoint, privileged: e.spec.privileged, tty: e.spec.tty, ...(e.spec.user ? { user: e.spec.user } : {}) },
      Running: e.running,
      Pid: e.pid,
    });
  });

  router.add('POST', '/exec/{id}/resize', async ({ res, params, query, engine }) => {
    const size = terminalSizeQuery(query);
    // As dockerd: a resize waits (up to 10 s) for an exec that is starting; once
    // its process has ended (and dockerd has deleted it from containerd) the
    // answer is containerd's 404 `no such exec`.
    for (const deadline = Date.now() + 10_000; ;) {
      try {
        await execs(engine).resize(params['id']!, size);
        break;
      } catch (err) {
        if (!isConflict(err)) throw err;
        if (execs(engine).inspect(params['id']!).exitCode !== null) throw notFound('no such exec', err);
        if (Date.now() > deadline) throw internal('timeout waiting for exec session ready', err);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    res.writeHead(200, { 'Content-Length': 0 });
    res.end();
  });

  router.add('POST', '/exec/{id}/start', async ({ req, res, params, engine, upgrade, log, version }) => {
    const read = await readUpgradeBody({ req, res, ...(upgrade ? { upgrade } : {}) });
    const ctx = read.ctx;
    let body: unknown;
    try {
      const text = read.body.toString('utf8');
      body = text.trim() === '' ? undefined : JSON.parse(text);
    } catch (err) {
      throw invalidArgument(`malformed JSON in request body: ${errorMessage(err)}`);
    }
    const o = isObj(body) ? body : {};
    const detach = field(o, 'Detach', isBool, 'a boolean') ?? false;
    // As dockerd: the exec's own Tty (from create) gives the process its terminal; the start's Tty
    // only says how the stream is sent (raw or in stdcopy frames), false when absent.
    const raw = field(o, 'Tty', isBool, 'a boolean') ?? false;
    const size = field(o, 'ConsoleSize', isSize, 'an array of two unsigned integers');
    const service = execs(engine);
    const e = service.inspect(params['id']!);
    // dockerd ignores ConsoleSize before 1.42 and without Tty.
    const consoleSize = size && size[0] > 0 && size[1] > 0 && raw && !versionLess(version, '1.42') ? size : undefined;
    // Guard failures (already running, already ran) throw here, before the hijack.
    const started = service.start(e.id, { detach, ...(consoleSize ? { consoleSize } : {}) });
    if (detach) {
      await started;
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const socket = hijack(ctx, { multiplexed: !raw, version, withHeaders: true });
    try {
      const attachment = await started;
      if (attachment) {
        const detachKeys = parseDetachKeys(e.spec.detachKeys || defaultDetachKeys);
        const pumped = await pumpAttachment(ctx, socket, attachment, {
          stdin: e.spec.attachStdin, stdout: e.spec.attachStdout, stderr: e.spec.attachStderr, raw, detachKeys, log,
          // dockerd's words: its exec start fails with the detach keys' escape error.
          detachMessage: 'exec attach failed: error on attach stdin: read escape sequence\r\n',
        });
        if (pumped.detached) service.detached(e.id);
      }
    } catch (err) {
      // docker writes a start failure into the stream; the exit code (126/127) is in the exec's inspect.
      // The daemon's own checks (e.g. an unknown user) come without the runtime's wrapping.
      const text = Buffer.from(isInvalidArgument(err) ? `${errorMessage(err)}\r\n` : `OCI runtime exec failed: ${errorMessage(err).replace(/: unknown$/, '')}: unknown\r\n`);
      socket.write(raw ? text : frame('stdout', text));
      log.debug('exec failed to start', { exec: e.id, err: errorMessage(err) });
    } finally {
      socket.end();
    }
  });
}

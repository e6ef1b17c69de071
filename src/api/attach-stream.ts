// The hijacked stdio stream shared by container attach (and exec start): takes
// the connection over from node:http (`101 UPGRADED` for `Upgrade: tcp`, else
// `200` on the raw socket), sends output raw with a TTY or in stdcopy frames
// without one, carries input to the container with half-close ending it, and
// watches TTY input for the detach keys (default ctrl-p ctrl-q).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { invalidArgument } from '../core/errors.ts';
import type { ContainerAttachment } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';
import { frame } from './mux.ts';
import { versionLess } from './version.ts';
import { DetachScanner, detachKeyBytes } from '../lib/detach-keys.ts';

export { defaultDetachKeys } from '../lib/detach-keys.ts';

/** docker's term.ToBytes; InvalidArgument with docker's text for a bad sequence. */
export function parseDetachKeys(keys: string): Buffer {
  const parsed = detachKeyBytes(keys);
  if (!parsed) throw invalidArgument(`Invalid detach keys (${keys}) provided`);
  return parsed;
}

export interface HijackContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly upgrade?: { readonly socket: Duplex; readonly head: Buffer };
  /** The socket was taken from node:http without an upgrade (see takeOverSocket): answer `200`, not `101`. */
  readonly plain?: boolean;
}

interface NodeHttpParser {
  _consumed?: boolean;
  unconsume?(): void;
}

/**
 * Takes a plain (non-upgrade) request's connection over from node:http, as
 * Go's Hijack does for dockerd: the request's own body (dockerode sends its
 * options as a JSON body) is read and dropped, and the bytes that follow it
 * on the connection are the container's input. dockerode's attach with
 * `stdin` and without `hijack` writes its input so, as an HTTP duplex.
 * node:http would otherwise parse that input as a next request and answer
 * `400 Bad Request` into the stream; its parser is detached here the way
 * node:http detaches it for an upgrade (unconsume, drop its socket listeners).
 */
export async function takeOverSocket(ctx: HijackContext): Promise<HijackContext> {
  // A chunked body has no end to wait for: it stays the input, as before.
  if (ctx.upgrade || ctx.req.headers['transfer-encoding'] !== undefined) return ctx;
  const socket = ctx.req.socket;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) void chunk;
  const parser = (socket as unknown as { parser?: NodeHttpParser | null }).parser;
  if (parser?._consumed) {
    parser.unconsume?.();
    parser._consumed = false;
  }
  for (const event of ['data', 'end', 'pause', 'resume'] as const) socket.removeAllListeners(event);
  (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
  const handle = (socket as unknown as { _handle?: { reading?: boolean; readStart?(): void } | null })._handle;
  if (handle && !handle.reading) {
    handle.reading = true;
    handle.readStart?.();
  }
  socket.pause();
  return { ...ctx, upgrade: { socket, head: Buffer.alloc(0) }, plain: true };
}

/**
 * The body of an upgrade request. node:http hands an upgraded request over
 * without reading its body: the body's first bytes are in `head` and the rest
 * comes on the socket. Returns the body and the context with what follows it.
 */
export async function readUpgradeBody(ctx: HijackContext): Promise<{ body: Buffer; ctx: HijackContext }> {
  if (!ctx.upgrade) {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req as AsyncIterable<Buffer>) chunks.push(c);
    return { body: Buffer.concat(chunks), ctx };
  }
  const length = Number(ctx.req.headers['content-length'] ?? 0);
  if (!(length > 0)) return { body: Buffer.alloc(0), ctx };
  if (length > 1024 * 1024) throw invalidArgument('request body too large');
  const { socket } = ctx.upgrade;
  let buf = ctx.upgrade.head;
  while (buf.length < length) {
    const more = await new Promise<Buffer | undefined>((resolve) => {
      const onData = (b: Buffer) => {
        cleanup();
        // Hold further input until the stream is wired up.
        socket.pause();
        resolve(b);
      };
      const onEnd = () => {
        cleanup();
        resolve(undefined);
      };
      const cleanup = () => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.resume();
    });
    if (!more) throw invalidArgument('the request body ended early');
    buf = Buffer.concat([buf, more]);
  }
  return { body: buf.subarray(0, length), ctx: { ...ctx, upgrade: { socket, head: buf.subarray(length) } } };
}

export interface HijackOptions {
  /** stdcopy frames rather than the raw stream (no TTY on the framing side). */
  readonly multiplexed: boolean;
  /** The API version of the request: Content-Type says `multiplexed-stream` from 1.42 on. */
  readonly version: string;
  /** Repeat the response headers set so far (Api-Version, Server…), as dockerd's exec start does. */
  readonly withHeaders?: boolean;
}

/**
 * Takes the connection over and sends the status line; returns the socket to
 * stream on. As dockerd: `101 UPGRADED` for `Upgrade: tcp`, with
 * `multiplexed-stream` as its type only for a framed stream at API >= 1.42;
 * without the upgrade `200 OK` and always `raw-stream`, the body running until
 * the connection closes.
 */
export function hijack(ctx: HijackContext, options: HijackOptions): Duplex {
  const socket = ctx.upgrade?.socket ?? ctx.req.socket;
  const upgraded = ctx.upgrade !== undefined && ctx.plain !== true;
  const type = upgraded ? streamContentType(options.multiplexed, options.version) : rawStream;
  const status = upgraded ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${type}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` : `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\n`;
  let extra = '';
  if (options.withHeaders) {
    for (const [name, value] of Object.entries(ctx.res.getHeaders())) {
      if (value === undefined || /^content-(type|length)$/i.test(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) extra += `${headerName(name)}: ${String(v)}\r\n`;
    }
  }
  // From here on the socket is ours: the HTTP layer must not write a response.
  (ctx.res as { _hijacked?: boolean })._hijacked = true;
  socket.on('error', () => undefined);
  // Input waits (buffered by the kernel) until pumpAttachment() is ready for it.
  socket.pause();
  socket.write(`${status}${extra}\r\n`);
  return socket;
}

/** `api-version` → `Api-Version` (node keeps header names in lower case). */
function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

const rawStream = 'application/vnd.docker.raw-stream';

/** moby's rule for stream media types (logs, attach, exec). */
export function streamContentType(multiplexed: boolean, version: string): string {
  return multiplexed && !versionLess(version, '1.42') ? 'application/vnd.docker.multiplexed-stream' : rawStream;
}

function write(out: Writable, chunk: Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.resolve();
  return new Promise<void>((resolve) => {
    if (out.write(chunk)) resolve();
    else {
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        resolve();
      };
      out.once('drain', done);
      out.once('close', done);
    }
  });
}

export interface PumpOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  /**
   * Send the output unframed. Default: with the attachment's TTY. An exec's
   * start may ask otherwise (its `Tty`); raw without a TTY carries stdout
   * only, as dockerd's exec start does.
   */
  readonly raw?: boolean;
  /** Sent (as stdout) when the client detached with the detach keys: dockerd's exec start says why it ended. */
  readonly detachMessage?: string;
  /** Parsed detach keys; only watched with a TTY, as docker does. */
  readonly detachKeys: Buffer;
  readonly log: Logger;
}

/**
 * Streams between a hijacked socket and an attachment until the output ends
 * (the process exited), the client detaches, or the connection goes away.
 * Input goes to the process in order, one chunk at a time: the socket is
 * paused while a chunk is on its way (back-pressure), and the client's
 * half-close reaches the process after the last chunk. The socket is ended
 * when the output ends.
 */
export async function pumpAttachment(ctx: HijackContext, socket: Duplex, attachment: ContainerAttachment, options: PumpOptions): Promise<{ detached: boolean }> {
  socket.once('close', () => attachment.close());
  const state = { detached: false };
  if (options.stdin) pumpInput(ctx, attachment, options, state);
  else if (ctx.upgrade) {
    // Drain anything the client sends, so that it never blocks.
    socket.on('data', () => undefined);
  }
  // With input on the socket, pumpInput() lets it flow as the process takes it.
  if (!(options.stdin && ctx.upgrade)) socket.resume();
  const raw = options.raw ?? attachment.tty;
  const wantStderr = options.stderr && !(raw && !attachment.tty);
  try {
    for await (const chunk of attachment.output) {
      if (chunk.stream === 'stdout' ? !options.stdout : !wantStderr) continue;
      await write(socket, raw ? chunk.data : frame(chunk.stream, chunk.data));
    }
    if (state.detached && options.detachMessage) {
      const text = Buffer.from(options.detachMessage);
      await write(socket, raw ? text : frame('stdout', text));
    }
  } finally {
    socket.end();
  }
  return state;
}

function pumpInput(ctx: HijackContext, attachment: ContainerAttachment, options: PumpOptions, state: { detached: boolean }): void {
  // Upgraded: the socket carries the input (and `head` what came with the request); else the request body does.
  const input: Readable = ctx.upgrade ? ctx.upgrade.socket : ctx.req;
  const scanner = attachment.tty ? new DetachScanner(options.detachKeys) : undefined;
  let detached = false;
  let sending: Promise<void> = Promise.resolve();
  let busy = 0;
  const flow = () => {
    if (busy === 0 && !detached && !input.readableEnded) input.resume();
  };
  const send = (data: Buffer) => {
    if (data.length === 0) return;
    busy++;
    input.pause();
    sending = sending
      .then(() => attachment.write(data))
      .catch((err: unknown) => options.log.debug('writing to the attached process failed', { err }))
      .finally(() => {
        busy--;
        flow();
      });
  };
  const onData = (chunk: Buffer) => {
    if (detached) return;
    let data = chunk;
    if (scanner) {
      const r = scanner.feed(chunk);
      data = r.forward;
      if (r.detach) {
        detached = true;
        state.detached = true;
        send(data);
        options.log.debug('client detached with the detach keys');
        // Closing the attachment ends its output, and so the stream (after detachMessage).
        void sending.then(() => attachment.close());
        return;
      }
    }
    send(data);
  };
  if (ctx.upgrade && ctx.upgrade.head.length > 0) onData(ctx.upgrade.head);
  input.on('data', onData);
  // Half-close: the client has no more input, but still reads the output.
  const ended = () => void sending.then(() => attachment.closeStdin());
  input.on('end', ended);
  // The client may have half-closed already (empty input), while the exec was starting.
  if (input.readableEnded) ended();
  else flow();
}

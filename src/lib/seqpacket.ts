// SOCK_SEQPACKET unix sockets on Node's event loop, through berth's addon
// (native.ts): every write is one packet and every 'data' event one packet, as
// the peer sent it (libuv's streams would merge and split them). A socket is
// non-blocking and watched for readiness only while it has something to do:
// reading until end of stream (unless paused), writing while packets wait.
// pause() stops reading: the packets stay in the kernel's socket buffer, and
// once it is full the peer's sends wait (or fail with EAGAIN) — back-pressure.
//
// A peer that closes while we still write (EPIPE, ECONNRESET) has usually sent
// its last packets first — conmon writes a quick exec's output, then closes:
// a failed send therefore ends our writing only, and what waits in the socket
// is still read, up to the end of stream. A peer that closes with our packets
// unread in its socket makes the kernel fail our next read once with
// ECONNRESET (and the watcher report POLLERR, which libuv calls EBADF) although
// its own last packets still wait in ours: they are read, then the end.
import { EventEmitter } from 'node:events';
import { loadNative, type NativeAddon, type WatchHandle } from './native.ts';

/** Packets read per readiness event before yielding to the loop. */
const readBurst = 64;

interface Pending {
  readonly data: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * One connected socket. Events: 'data' (Buffer, one packet), 'end' (the peer
 * closed its side), 'error' (Error; the socket is destroyed after it), 'close'
 * (once, after destroy()). A write the peer no longer takes rejects (and so do
 * the writes after it), without an 'error': reading goes on.
 */
export class SeqpacketSocket extends EventEmitter {
  readonly #native: NativeAddon;
  readonly #fd: number;
  readonly #watch: WatchHandle;
  readonly #queue: Pending[] = [];
  #readEnded = false;
  #endRequested = false;
  #writeShut = false;
  #destroyed = false;
  #paused = false;

  /** Adopts a connected SOCK_SEQPACKET descriptor (closed by destroy()). */
  constructor(fd: number) {
    super();
    this.#native = loadNative();
    this.#fd = fd;
    this.#watch = this.#native.watch(fd, (err, readable, writable) => this.#ready(err, readable, writable));
    this.#update();
  }

  /** Connects to the socket at `path`; throws (code ENOENT, ECONNREFUSED, EAGAIN…) when it cannot. */
  static connect(path: string): SeqpacketSocket {
    return new SeqpacketSocket(loadNative().seqpacketConnect(path));
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  /** Stops reading (no 'data' nor 'end' until resume()); may be called from a 'data' listener. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#update();
  }

  /** Reads again: what waited in the socket comes as 'data' once the loop sees it readable. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#update();
  }

  /** Sends `data` as one packet; resolves once the kernel has it, rejects when the socket fails or is gone. */
  write(data: Buffer): Promise<void> {
    if (this.#destroyed || this.#endRequested) return Promise.reject(new Error('write after end of a seqpacket socket'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ data, resolve, reject });
      this.#flush();
      this.#update();
    });
  }

  /** Half-close after the queued packets: the peer reads end of stream; reading goes on. */
  end(): void {
    if (this.#destroyed || this.#endRequested) return;
    this.#endRequested = true;
    this.#flush();
    this.#update();
  }

  /** Closes the socket at once; queued writes are rejected. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#native.unwatch(this.#watch);
    this.#native.closeFd(this.#fd);
    const gone = new Error('seqpacket socket destroyed');
    for (const p of this.#queue.splice(0)) p.reject(gone);
    process.nextTick(() => this.emit('close'));
  }

  #ready(err: string | null, readable: boolean, writable: boolean): void {
    if (this.#destroyed) return;
    if (err !== null) {
      // The watcher is stopped after an error: what the peer sent before must be read now or never.
      this.#drain();
      // Read to the end: the peer is simply gone, as 'end' said; there is nothing left to write to.
      if (this.#readEnded) return this.#writeFailed(Object.assign(new Error(`seqpacket socket failed: ${err}`), { code: err }));
      return this.#fail(Object.assign(new Error(`seqpacket socket failed: ${err}`), { code: err }));
    }
    if (readable && !this.#readEnded && !this.#paused) this.#read();
    if (writable && !this.#destroyed) this.#flush();
    this.#update();
  }

  /** One packet, null at the end, undefined when none waits; a peer's reset (reported once) is passed over. */
  #recv(): Buffer | null | undefined {
    try {
      return this.#native.recvPacket(this.#fd);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ECONNRESET') throw err;
      // The kernel reports the reset once, before the packets still queued: read on.
      return this.#native.recvPacket(this.#fd);
    }
  }

  #read(): void {
    for (let i = 0; i < readBurst && !this.#destroyed && !this.#paused; i++) {
      let packet: Buffer | null | undefined;
      try {
        packet = this.#recv();
      } catch (err) {
        return this.#fail(err as Error);
      }
      if (packet === undefined) return;
      if (packet === null) {
        this.#readEnded = true;
        this.emit('end');
        return;
      }
      this.emit('data', packet);
    }
  }

  /** Reads every packet waiting in the socket, paused or not, up to the end of stream or an error. */
  #drain(): void {
    while (!this.#destroyed && !this.#readEnded) {
      let packet: Buffer | null | undefined;
      try {
        packet = this.#recv();
      } catch {
        return;
      }
      if (packet === undefined) return;
      if (packet === null) {
        this.#readEnded = true;
        this.emit('end');
        return;
      }
      this.emit('data', packet);
    }
  }

  /** The peer takes no more packets: the queued writes fail, reading goes on. */
  #writeFailed(err: Error): void {
    this.#endRequested = true;
    this.#writeShut = true;
    for (const p of this.#queue.splice(0)) p.reject(err);
  }

  /** Sends queued packets until the socket is full; shuts the write side once they are out and end() asked. */
  #flush(): void {
    while (!this.#destroyed && this.#queue.length > 0) {
      const p = this.#queue[0]!;
      let sent: boolean;
      try {
        sent = this.#native.sendPacket(this.#fd, p.data);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'EPIPE' || code === 'ECONNRESET') return this.#writeFailed(err as Error);
        return this.#fail(err as Error);
      }
      if (!sent) return;
      this.#queue.shift();
      p.resolve();
    }
    if (!this.#destroyed && this.#endRequested && !this.#writeShut && this.#queue.length === 0) {
      this.#writeShut = true;
      try {
        this.#native.shutdownWrite(this.#fd);
      } catch (err) {
        this.#fail(err as Error);
      }
    }
  }

  #update(): void {
    if (this.#destroyed) return;
    this.#native.watchSet(this.#watch, !this.#readEnded && !this.#paused, this.#queue.length > 0);
  }

  #fail(err: Error): void {
    if (this.#destroyed) return;
    // A failure nobody listens for only ends the socket: it must not take the process down.
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.destroy();
  }
}

/** A listening socket: `onConnection` gets each accepted connection. */
export class SeqpacketServer {
  readonly #native: NativeAddon;
  readonly #fd: number;
  readonly #watch: WatchHandle;
  #closed = false;

  constructor(path: string, onConnection: (s: SeqpacketSocket) => void, backlog = 16) {
    this.#native = loadNative();
    this.#fd = this.#native.seqpacketListen(path, backlog);
    this.#watch = this.#native.watch(this.#fd, (err) => {
      if (this.#closed || err !== null) return;
      for (let c = this.#native.seqpacketAccept(this.#fd); c !== undefined && !this.#closed; c = this.#native.seqpacketAccept(this.#fd)) onConnection(new SeqpacketSocket(c));
    });
    this.#native.watchSet(this.#watch, true, false);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.unwatch(this.#watch);
    this.#native.closeFd(this.#fd);
  }
}

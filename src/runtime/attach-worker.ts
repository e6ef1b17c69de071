// The thread that holds one connection to conmon's attach socket, so that the
// container's output can be held back: node-unix-socket reads a SOCK_SEQPACKET
// socket as fast as packets come and cannot pause, so a slow client would make
// berthd buffer everything. This thread instead blocks (Atomics.wait) while
// more than `high` bytes it handed over are still unread by the client; the
// socket is then not read, conmon's blocking write to it waits, conmon stops
// reading the container's pipe, and the container's writes wait — dockerd's
// behaviour, whose attach pipe blocks its writer past 1 MB (moby BytesPipe).
//
// Shared state (Int32Array over a SharedArrayBuffer): [0] bytes handed over and
// not yet consumed, [1] a counter bumped (and notified) whenever [0] drops or
// [2] changes, [2] flags: 1 the connection is closing, 2 never block again
// (the process is gone: nothing would ever drain the socket otherwise).
//
// Messages to the thread: {type:'write', id, data}, {type:'end'} (half-close),
// {type:'close'}, and {type:'bye'} once its 'closed' is received (the thread
// then ends). From it: {type:'connected'}, {type:'output', data, lengths}
// (packets as conmon sent them, stream byte first), {type:'written', id},
// {type:'closed', error?}. The thread closes its socket before it ends: a
// socket still polled while a thread is torn down crashes the addon (and the
// addon's own clean-up for threads, registered by its index module, closes
// the handles of all threads at once: so only its seqpacket module is loaded).
//
// Plain JavaScript (CommonJS), run with `new Worker(source, { eval: true })`:
// berthd is a single bundle, and this is the one piece that runs apart.
export const attachWorkerSource = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { SeqpacketSocket } = require(workerData.module);
const state = new Int32Array(workerData.shared);
const high = workerData.high;
const sock = new SeqpacketSocket();
// conmon's packets are at most 8 KiB and a byte: no need for the 256 KiB default buffer per read.
sock.setInternalReadBufferSize(64 * 1024);
let batch = [];
let batchBytes = 0;
let scheduled = false;
let finished = false;

function flush() {
  scheduled = false;
  if (batch.length === 0) return;
  const lengths = batch.map((b) => b.length);
  const data = Buffer.concat(batch, batchBytes);
  batch = [];
  batchBytes = 0;
  parentPort.postMessage({ type: 'output', data, lengths });
}

function finish(error) {
  if (finished) return;
  finished = true;
  flush();
  try {
    sock.destroy();
  } catch {}
  // The port closes at the main thread's 'bye': closing it here could lose the output just posted.
  parentPort.postMessage(error ? { type: 'closed', error: String(error && error.message || error) } : { type: 'closed' });
}

sock.on('data', (buf) => {
  if (finished) return;
  batch.push(buf);
  batchBytes += buf.length;
  Atomics.add(state, 0, buf.length);
  if (batchBytes >= 64 * 1024) flush();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
  // Hold the socket unread while the client is behind.
  while (Atomics.load(state, 0) > high && Atomics.load(state, 2) === 0) {
    flush();
    const seen = Atomics.load(state, 1);
    if (Atomics.load(state, 0) <= high || Atomics.load(state, 2) !== 0) break;
    Atomics.wait(state, 1, seen, 1000);
  }
});
sock.on('end', () => finish());
sock.on('close', () => finish());
sock.on('error', (err) => finish(err));

parentPort.on('message', (m) => {
  if (m.type === 'bye') {
    parentPort.close();
    return;
  }
  if (finished) {
    if (m.type === 'write') parentPort.postMessage({ type: 'written', id: m.id });
    return;
  }
  if (m.type === 'write') {
    const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    try {
      sock.write(data, 0, data.length, () => parentPort.postMessage({ type: 'written', id: m.id }));
    } catch {
      parentPort.postMessage({ type: 'written', id: m.id });
    }
  } else if (m.type === 'end') {
    try {
      sock.end();
    } catch {}
  } else if (m.type === 'close') finish();
});

try {
  sock.connect(workerData.path, () => parentPort.postMessage({ type: 'connected' }));
} catch (err) {
  finish(err);
}
`;

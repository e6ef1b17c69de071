// cli-kit: the client programs' standard output and error. Text is written with
// write(2) (fs.writeSync), as the docker CLI writes it; process.stdout and
// process.stderr are made only for what needs a stream (a body piped out,
// attach's output with backpressure, a TTY's size). Making the first of them
// costs a Bun-compiled berth 3-10 ms of CPU (Bun builds them from its node:stream
// code), more than the rest of `berth --version`, and Node builds them lazily too.
// Once a stream exists, all later text goes through it, so the order stays.
import { fstatSync, writeSync } from 'node:fs';

type Fd = 1 | 2;

/**
 * Which streams exist, shared by every copy of this module in the process: the
 * compose bundle (dist/berth-compose.cjs) carries its own copy and runs berth's
 * commands through the hook berth gives it.
 */
interface StdioState { opened: Record<Fd, boolean> }
const key = Symbol.for('berth.cli-kit.stdio');
const state: StdioState = ((globalThis as Record<symbol, StdioState | undefined>)[key] ??= { opened: { 1: false, 2: false } });

/** process.stdout, for what needs the stream (pipes, backpressure, TTY size); later text goes through it too. */
export function stdoutStream(): NodeJS.WriteStream {
  state.opened[1] = true;
  return process.stdout;
}

/** process.stderr, as stdoutStream. */
export function stderrStream(): NodeJS.WriteStream {
  state.opened[2] = true;
  return process.stderr;
}

/** For code that writes to process.stdout and process.stderr itself (compose): both are flushed at exit. */
export function useStdioStreams(): void {
  stdoutStream();
  stderrStream();
}

function write(fd: Fd, text: string | Uint8Array): void {
  let rest: string | Uint8Array = text;
  if (!state.opened[fd]) {
    const buf = typeof text === 'string' ? Buffer.from(text) : text;
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off);
      return;
    } catch {
      // EAGAIN (a non-blocking pipe that is full), EPIPE, EBADF...: the stream takes
      // the rest and everything after it, and fails (or waits) as it always did.
      rest = buf.subarray(off);
    }
  }
  (fd === 1 ? stdoutStream() : stderrStream()).write(rest);
}

export function out(text: string | Uint8Array): void {
  write(1, text);
}

export function err(text: string | Uint8Array): void {
  write(2, text);
}

/**
 * Whether the descriptor is a terminal, without making its stream: a terminal is
 * a character device, so a pipe or a file is answered by fstat(2) alone.
 */
export function isTerminal(fd: 0 | Fd): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}

/**
 * Exits with `code` once what was written to stdout and stderr has reached
 * them. `process.exit` right after a stream's write can drop it when stdout is
 * a pipe: the Bun-compiled CLI lost the end of `logs` (2,001 of 3,000 lines,
 * one run in three), and `writableLength` did not show what was pending. A
 * write's callback comes after the writes before it. Text written with
 * write(2) is already there.
 */
export function exitWhenFlushed(code: number): void {
  const streams = [state.opened[1] ? 1 : 0, state.opened[2] ? 2 : 0].filter((fd) => fd !== 0);
  if (streams.length === 0) process.exit(code);
  let pending = streams.length;
  const done = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  // end(): the stream is finished only once every write before it reached the descriptor.
  for (const fd of streams) {
    if (fd === 1) process.stdout.end(done);
    else process.stderr.write('', done);
  }
}

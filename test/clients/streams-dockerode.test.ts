// Hijacked streams with dockerode (newest from npm), against berthd and the
// oracle: container.attach({hijack: true, stdin: true}) before and after
// start, with and without a TTY (1000, 5000 and 1 MiB written, the count read
// back exact, output framed by stream); exec.start with hijack and stdin, and
// without hijack (the raw bytes in the response body), with the TTY set on
// create and/or start; the exit code from exec.inspect. Regression for issue 11.
import type { Duplex, Readable } from 'node:stream';
import { clientTargets, dockerode, sameOnBoth } from './harness.ts';

clientTargets();

/** Frames of a multiplexed stream as [stream, text], or the raw text when it is not one. */
function frames(buf: Buffer): [number, string][] | { unframed: string } {
  const out: [number, string][] = [];
  let at = 0;
  for (; at + 8 <= buf.length;) {
    if (buf[at]! > 3 || buf[at + 1] !== 0 || buf[at + 2] !== 0 || buf[at + 3] !== 0) break;
    const size = buf.readUInt32BE(at + 4);
    out.push([buf[at]!, buf.subarray(at + 8, at + 8 + size).toString()]);
    at += 8 + size;
  }
  return at === buf.length ? out : { unframed: buf.subarray(0, 200).toString() };
}

/** Joins a framed stream's text per stream (how a process's writes are cut into frames is not compared). */
function joined(buf: Buffer): Record<string, string> | { unframed: string } {
  const f = frames(buf);
  if (!Array.isArray(f)) return f;
  const out: Record<string, string> = {};
  for (const [kind, text] of f) out[String(kind)] = (out[String(kind)] ?? '') + text;
  return out;
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`the stream did not end within 60 s; got ${Buffer.concat(chunks).length} bytes`)), 60_000);
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.on('end', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
    stream.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

/** Lines of 100 bytes: a terminal's line discipline takes at most 4095 bytes per line. */
function input(n: number): Buffer {
  return Buffer.from(`${'z'.repeat(99)}\n`.repeat(Math.floor(n / 100)));
}

sameOnBoth('dockerode: attach with hijack and stdin carries 1000, 5000 and 1 MiB exactly, before and after start, with and without a TTY', async (t) => {
  const d = dockerode(t);
  const result: Record<string, unknown> = {};
  for (const tty of [false, true]) {
    for (const n of [1000, 5000, 1 << 20]) {
      for (const beforeStart of [true, false]) {
        const data = input(n);
        const c = await d.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', `head -c ${data.length} | wc -c`], OpenStdin: true, StdinOnce: true, Tty: tty });
        if (!beforeStart) await c.start();
        const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
        const all = readAll(stream);
        if (beforeStart) await c.start();
        stream.write(data);
        if (!tty) stream.end();
        const out = await all;
        const key = `tty=${tty} n=${data.length} ${beforeStart ? 'before' : 'after'} start`;
        // The echo of a large input is cut by the kernel's pty buffer on any engine, and what is left of it
        // may share the count's line (the echo has no newline of its own): compare the count only.
        result[key] = tty ? { count: /(\d+)\r\n$/.exec(out.toString())?.[1], crlf: out.includes('\r\n') } : frames(out);
        result[`${key} wait`] = (await c.wait()) as unknown;
        await c.remove({ force: true });
      }
    }
  }
  return result;
}, { timeout: 600_000 });

sameOnBoth('dockerode: exec.start with and without hijack, TTY on create and/or start, stdin, and the exit code', async (t) => {
  const d = dockerode(t);
  const c = await d.createContainer({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true });
  await c.start();
  const result: Record<string, unknown> = {};
  for (const createTty of [false, true]) {
    for (const startTty of [false, true, undefined]) {
      const exec = await c.exec({ Cmd: ['sh', '-c', 'echo out; sleep 0.3; echo err >&2'], Tty: createTty, AttachStdout: true, AttachStderr: true });
      const stream = (await exec.start({ ...(startTty === undefined ? {} : { Tty: startTty }) })) as unknown as Readable;
      const out = await readAll(stream);
      const key = `plain create tty=${createTty} start tty=${String(startTty)}`;
      result[key] = Array.isArray(frames(out)) ? joined(out) : out.toString();
    }
  }
  for (const tty of [false, true]) {
    const exec = await c.exec({ Cmd: ['sh', '-c', 'head -c 5000 | wc -c; exit 5'], Tty: tty, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: tty })) as unknown as Duplex;
    const all = readAll(stream);
    stream.write(input(5000));
    if (!tty) stream.end();
    const out = await all;
    let info = await exec.inspect();
    for (let i = 0; i < 50 && info.Running; i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await exec.inspect();
    }
    result[`hijack stdin tty=${tty}`] = {
      output: tty ? out.toString().split('\r\n').at(-2) : frames(out),
      ExitCode: info.ExitCode, Running: info.Running, OpenStdin: info.OpenStdin, ProcessConfig: info.ProcessConfig,
    };
  }
  return result;
}, { timeout: 300_000 });

// Starting a runc container without a `runc start` process. runc create leaves
// the container's init blocked on `<root>/<id>/exec.fifo`, opening it for
// writing; `runc start` (libcontainer's exec()) opens the fifo for reading,
// reads what init writes ("0") up to the EOF that comes when init closes its
// end right before its execve (O_CLOEXEC; runc builds with the CVE-2024-21626
// fix close every descriptor they do not pass on just before it), and removes
// the fifo (the fifo's presence is what makes runc report the state
// `created`). This does the same with a few system calls where the runc
// process costs 10-15 ms here. Whatever is not that case — no fifo (not
// created, already started), init gone before it wrote, another runtime, or a
// NOTIFY_SOCKET in berthd's environment (which `runc start` would relay) —
// returns false, and the caller runs `runc start`, whose errors are the ones
// clients see.
// runc 1.2 and later run a spec's poststart hooks in `runc start`: berth's
// specs (spec.ts) carry no OCI hooks; one that does must take `runc start`.
import { constants, open, unlink, fstat, close } from 'node:fs';
import { procStat, running } from './proc-stat.ts';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { ContainerInit } from './container-signal.ts';

/** Whether the init is still the process create reported and not a zombie (runc's own check while it waits on the fifo). */
export async function initAlive(init: ContainerInit): Promise<boolean> {
  const stat = await procStat(init.pid);
  return running(stat) && stat.startTime === init.startTime;
}

// (libuv opens every file O_CLOEXEC.)
function openFifo(path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    open(path, constants.O_RDONLY | constants.O_NONBLOCK, (err, fd) => {
      if (err) return resolve(undefined);
      fstat(fd, (e, st) => {
        if (!e && st.isFIFO()) return resolve(fd);
        close(fd, () => resolve(undefined));
      });
    });
  });
}

/**
 * Releases a created runc container's init through its exec fifo, as `runc start` does.
 * True when done (init is at its execve, as after `runc start`); false when
 * the caller should run `runc start` instead. `pollMs`: how often init's liveness is checked.
 */
export async function startThroughExecFifo(runtimeRoot: string, id: string, init: ContainerInit, pollMs = 100): Promise<boolean> {
  if (process.env['NOTIFY_SOCKET']) return false;
  const path = join(runtimeRoot, id, 'exec.fifo');
  const fd = await openFifo(path);
  if (fd === undefined) return false;
  // A reader makes init's blocking open for writing return; init then writes "0" and execs.
  const sock = new Socket({ fd, readable: true, writable: false, allowHalfOpen: true });
  const read = await new Promise<number>((resolve) => {
    let bytes = 0;
    let done = false;
    const finish = (n: number) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      sock.destroy();
      resolve(n);
    };
    // Gone without writing: runc start then reports "container process is already dead". Once init's
    // byte is read the start has happened, whatever comes after it: `runc start` would then wait on a
    // fifo nobody writes again.
    const timer = setInterval(() => {
      void initAlive(init).then((alive) => {
        // One more period first: what init wrote before it went may still be on its way to us.
        if (!alive) setTimeout(() => finish(bytes > 0 ? bytes : -1), pollMs).unref();
      });
    }, pollMs);
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
    });
    sock.on('end', () => finish(bytes));
    sock.on('error', () => finish(bytes > 0 ? bytes : -1));
  });
  if (read <= 0) return false;
  await new Promise<void>((resolve) => unlink(path, () => resolve()));
  return true;
}

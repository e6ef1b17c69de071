// ExecSync: runs a command in a running container through the engine's exec
// service and collects its output and exit code; past the timeout the
// process is killed and the call fails with DEADLINE_EXCEEDED, as containerd's does.
import { BerthError, ErrorKind, failedPrecondition } from '../core/errors.ts';
import type { Engine } from '../engine/index.ts';
import { findContainer } from './containers.ts';

/** Thrown on a timeout; grpc-status maps kinds, so the server turns this one into DEADLINE_EXCEEDED itself. */
export class ExecTimeoutError extends BerthError {
  constructor(message: string) {
    super(ErrorKind.Unavailable, message);
    this.name = 'ExecTimeoutError';
  }
}

const maxOutput = 16 * 1024 * 1024;

export async function execSync(engine: Engine, req: { container_id: string; cmd: string[]; timeout: string }): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
  const c = await findContainer(engine, req.container_id);
  if (c.state.status !== 'running') throw failedPrecondition(`container "${c.id}" is not running`);
  const execs = engine.execs!;
  const id = await execs.create(c.id, { cmd: req.cmd, env: [], user: '', workingDir: '', tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false, detachKeys: '' });
  const attachment = await execs.start(id, { detach: false });
  if (!attachment) throw failedPrecondition(`exec in "${c.id}" gave no output stream`);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const collect = (async () => {
    for await (const chunk of attachment.output) {
      size += chunk.data.length;
      if (size > maxOutput) continue; // as containerd: output past the cap is dropped, the command still runs to its end
      (chunk.stream === 'stderr' ? err : out).push(chunk.data);
    }
  })();
  const seconds = Number(req.timeout || 0);
  let timer: NodeJS.Timeout | undefined;
  try {
    if (seconds > 0) {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ExecTimeoutError(`timeout ${seconds}s exceeded: command ${JSON.stringify(req.cmd)} in container "${c.id}" did not finish`)), seconds * 1000);
      });
      await Promise.race([collect, timedOut]);
    } else {
      await collect;
    }
  } catch (e) {
    if (e instanceof ExecTimeoutError) {
      execs.kill?.(id, 'SIGKILL');
      attachment.close();
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const exitCode = execs.inspect(id).exitCode ?? 0;
  execs.discard(id);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit_code: exitCode };
}

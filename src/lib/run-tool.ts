// Runs a short-lived helper tool (mount, umount, mknod, setfattr, xz…) as a child
// process and turns a non-zero exit into an Error carrying its stderr.
import { runCaptured } from './spawn-light.ts';
import { span } from './trace.ts';

export interface RunToolOptions {
  readonly cwd?: string;
  /** Bytes written to the tool's stdin (stdin is closed afterwards). */
  readonly input?: string | Uint8Array;
}

/** Runs `cmd args…`; resolves with stdout, rejects with `<cmd> failed: <stderr>`. */
export async function runTool(cmd: string, args: readonly string[], options: RunToolOptions = {}): Promise<string> {
  const r = await span(`tool ${cmd}`, { argv: args.join(' ').slice(0, 80) }, () => runCaptured(cmd, args, { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), input: options.input ?? '' }));
  if (r.code === 0) return r.stdout.toString();
  const why = r.stderr.toString().trim() || (r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`);
  throw new Error(`${cmd} ${args.join(' ')} failed: ${why}`);
}

// Runs a short-lived helper tool (mount, umount, mknod, setfattr, xz…) as a child
// process and turns a non-zero exit into an Error carrying its stderr.
import { spawn } from 'node:child_process';

export interface RunToolOptions {
  readonly cwd?: string;
  /** Bytes written to the tool's stdin (stdin is closed afterwards). */
  readonly input?: string | Uint8Array;
}

/** Runs `cmd args…`; resolves with stdout, rejects with `<cmd> failed: <stderr>`. */
export function runTool(cmd: string, args: readonly string[], options: RunToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else {
        const why = Buffer.concat(err).toString().trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${why}`));
      }
    });
    child.stdin.on('error', () => {}); // a tool that exits early closes its stdin; its exit status tells
    child.stdin.end(options.input ?? '');
  });
}

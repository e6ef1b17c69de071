// The OCI runtime's command line (crun or runc, with berth's --root) for the
// operations that do not go through conmon: start, kill, delete, state,
// pause, resume, update and ps. Each maps the runtime's stderr to berth's
// error kinds (a container the runtime does not know is NotFound).
import { rm, writeFile } from 'node:fs/promises';
import { internal, notFound } from '../core/index.ts';
import type { RuntimeState } from './types.ts';
import { runtimeErrorMessage } from './start-error.ts';
import { span } from '../lib/index.ts';
import { runCaptured } from '../lib/spawn-light.ts';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: readonly string[]): Promise<RunResult> {
  const r = await runCaptured(cmd, args);
  return { code: r.code ?? 128, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const missing = (text: string) => /does not exist|not found|no such file/i.test(text);

export class OciRuntimeCli {
  readonly #path: string;
  readonly #root: string;

  /** `path`: the runtime's binary; `root`: its state directory (--root). */
  constructor(path: string, root: string) {
    this.#path = path;
    this.#root = root;
  }

  #cmd(args: readonly string[]): Promise<RunResult> {
    return span(`runtime ${args[0] ?? ''}`, { argv: args.slice(1).join(' ').slice(0, 80) }, () => run(this.#path, ['--root', this.#root, ...args]));
  }

  async start(id: string): Promise<void> {
    const r = await this.#cmd(['start', id]);
    if (r.code !== 0) {
      const msg = runtimeErrorMessage(r.stderr);
      if (/does not exist/.test(msg)) throw notFound(`No such container: ${id}`);
      throw internal(msg);
    }
  }

  async kill(id: string, signal: string | number): Promise<void> {
    const sig = typeof signal === 'number' ? String(signal) : signal.toUpperCase().replace(/^SIG/, '');
    const r = await this.#cmd(['kill', id, sig]);
    if (r.code !== 0) {
      const msg = runtimeErrorMessage(r.stderr);
      if (missing(msg) || /not running|process already finished|container is stopped/i.test(msg)) {
        throw notFound(`Container ${id} is not running`);
      }
      throw internal(msg);
    }
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const r = await this.#cmd(['delete', ...(opts.force ? ['--force'] : []), id]);
    if (r.code !== 0) {
      const msg = runtimeErrorMessage(r.stderr);
      if (missing(msg)) return;
      throw internal(msg);
    }
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const r = await this.#cmd(['state', id]);
    if (r.code !== 0) {
      if (missing(r.stderr)) return undefined;
      throw internal(runtimeErrorMessage(r.stderr));
    }
    const obj = JSON.parse(r.stdout) as { status?: unknown; pid?: unknown };
    const statuses = ['creating', 'created', 'running', 'paused', 'stopped'] as const;
    const status = statuses.find((s) => s === obj.status) ?? 'stopped';
    return { status, pid: typeof obj.pid === 'number' ? obj.pid : 0 };
  }

  async pause(id: string): Promise<void> {
    const r = await this.#cmd(['pause', id]);
    if (r.code !== 0) throw internal(runtimeErrorMessage(r.stderr));
  }

  async resume(id: string): Promise<void> {
    const r = await this.#cmd(['resume', id]);
    if (r.code !== 0) throw internal(runtimeErrorMessage(r.stderr));
  }

  /** `runtime update --resources <file>`: the file (written here, removed after) holds the OCI resources. */
  async update(id: string, resources: Readonly<Record<string, unknown>>, file: string): Promise<void> {
    await writeFile(file, JSON.stringify(resources));
    try {
      const r = await this.#cmd(['update', '--resources', file, id]);
      if (r.code !== 0) throw internal(runtimeErrorMessage(r.stderr));
    } finally {
      await rm(file, { force: true });
    }
  }

  async pids(id: string): Promise<number[]> {
    const r = await this.#cmd(['ps', '--format', 'json', id]);
    if (r.code !== 0) {
      const msg = runtimeErrorMessage(r.stderr);
      if (missing(msg)) throw notFound(`Container ${id} is not running`);
      throw internal(msg);
    }
    const parsed = JSON.parse(r.stdout || '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter((p): p is number => typeof p === 'number') : [];
  }
}

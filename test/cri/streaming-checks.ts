// crictl's streaming commands as a person runs them, for any CRI runtime
// (berth, or containerd as the oracle): a TTY exec under script(1) (crictl
// wants a terminal for -t), and a port-forward kept running in the background
// while requests go through it, stopped by its pid afterwards.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { run, type RunResult } from '../integration/acceptance-support.ts';
import { freePort } from '../integration/registry-support.ts';
import { crictlBin, type CriRuntime } from './cri-support.ts';

export type Transport = 'spdy' | 'websocket';
export const transports: readonly Transport[] = ['spdy', 'websocket'];

/** `crictl exec -it --transport T <ctr> <cmd…>` in a terminal of script(1), stdin at EOF. */
export function ttyExec(rt: CriRuntime, container: string, transport: Transport, cmd = 'tty'): Promise<RunResult> {
  return run('script', ['-qec', `${crictlBin} --config /dev/null --runtime-endpoint ${rt.endpoint} exec -it --transport ${transport} ${container} ${cmd}`, '/dev/null'], { input: '', timeoutMs: 60_000 });
}

export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.end();
  });
}

export interface ForwardRun<T> {
  /** What `use` returned, or the error it threw. */
  readonly result: { ok: true; value: T } | { ok: false; error: string };
  /** crictl's output; its exit code (null: it was still running and was stopped). */
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/**
 * Runs `crictl port-forward --transport T <pod> <local>:<remote>` until it
 * says it forwards, calls `use(localPort)`, then stops crictl (SIGINT, by its
 * pid; SIGKILL after 5 s) and waits for it.
 */
export async function withPortForward<T>(rt: CriRuntime, pod: string, remotePort: number, transport: Transport, use: (localPort: number) => Promise<T>): Promise<ForwardRun<T>> {
  const local = await freePort();
  const child = spawn(crictlBin, ['--config', '/dev/null', '--runtime-endpoint', rt.endpoint, 'port-forward', '--transport', transport, pod, `${local}:${remotePort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  try {
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('Forwarding from') && code === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!stdout.includes('Forwarding from')) return { result: { ok: false, error: `crictl port-forward did not start: ${stderr.trim()}` }, stdout, stderr, code: code ?? null };
    let result: ForwardRun<T>['result'];
    try {
      result = { ok: true, value: await use(local) };
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    return { result, stdout, stderr, code: code ?? null };
  } finally {
    if (code === undefined && child.pid !== undefined) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
}

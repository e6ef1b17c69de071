// Who waits for a container's next exit or its removal: `docker wait`, a
// followed log, a stop waiting for the signal to take, an attach. Each
// listener fires once, with the container as it was then.
import type { Container } from '../../core/types.ts';
import type { WaitCondition } from '../types.ts';

type Listener = (c: Container) => void;

export class ContainerListeners {
  readonly #exit = new Map<string, Set<Listener>>();
  readonly #removed = new Map<string, Set<Listener>>();

  /** The container's current run ended (exited, a policy restart failed, a pending restart was cancelled, or it was removed). */
  exited(c: Container): void {
    emit(this.#exit, c);
  }

  /** The container is gone. */
  removed(c: Container): void {
    emit(this.#removed, c);
  }

  /** Resolves at the next exit (or removal) of the container. */
  nextExit(id: string): Promise<Container> {
    return new Promise((resolve) => listen(this.#exit, id, resolve));
  }

  /**
   * docker wait: `not-running` answers at once for a container not running,
   * else at the next exit; `next-exit` at the next exit; `removed` at removal.
   * Aborting `signal` rejects with its reason.
   */
  wait(c: Container, condition: WaitCondition, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }> {
    // dockerd reports a start error to not-running/next-exit waiters, but not to those waiting for removal.
    const result = (x: Container) => ({ exitCode: x.state.exitCode, ...(x.state.error && condition !== 'removed' ? { error: x.state.error } : {}) });
    const running = c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting';
    if (condition === 'not-running' && !running) return Promise.resolve(result(c));
    const map = condition === 'removed' ? this.#removed : this.#exit;
    return new Promise((resolve, reject) => {
      const off = listen(map, c.id, (x) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(result(x));
      });
      const onAbort = () => {
        off();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('wait aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function emit(map: Map<string, Set<Listener>>, c: Container): void {
  const set = map.get(c.id);
  if (!set) return;
  map.delete(c.id);
  for (const fn of set) fn(c);
}

function listen(map: Map<string, Set<Listener>>, id: string, fn: Listener): () => void {
  let set = map.get(id);
  if (!set) map.set(id, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

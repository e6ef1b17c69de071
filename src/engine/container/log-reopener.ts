// ReopenContainerLog (the CRI's log rotation, driven by kubelet): the caller
// has moved the container's log file away and asks its monitor to open a new
// one at the same path (conmon's control message `2`).
import { stat } from 'node:fs/promises';
import type { Container } from '../../core/types.ts';
import { conflict } from '../../core/errors.ts';

export class LogReopener {
  readonly #inspect: (idOrName: string) => Promise<Container>;
  readonly #reopenLog: (c: Container) => Promise<void>;

  constructor(deps: { inspect: (idOrName: string) => Promise<Container>; reopenLog: (c: Container) => Promise<void> }) {
    this.#inspect = deps.inspect;
    this.#reopenLog = deps.reopenLog;
  }

  /**
   * Has the container's monitor reopen its log file at its path (after the file
   * was moved away). NotFound for no such container, Conflict when it is not running.
   */
  async reopen(idOrName: string): Promise<void> {
    const c = await this.#inspect(idOrName);
    if (c.state.status !== 'running' && c.state.status !== 'paused') throw conflict(`container ${c.id} is not running`);
    await this.#reopenLog(c);
    // conmon reads its control fifo in its own time; the caller (kubelet) expects the new file once this returns.
    for (let waited = 0; waited < 5000; waited += 20) {
      if (await stat(c.logPath).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw conflict(`container ${c.id}'s monitor did not reopen its log ${c.logPath}`);
  }
}

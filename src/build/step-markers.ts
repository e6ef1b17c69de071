// The RUN containers of builds in flight, one empty file per container under
// the builds' runtime directory (exec root). A build removes its step's
// marker once the step's container is done with; a marker found at start-up
// names the RUN container of a build that died with berthd (kill -9, power
// cut): nobody will diff or remove it, so start-up ends and removes it.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isFullId } from '../core/ids.ts';

export class StepMarkers {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Records a step container before it starts. */
  async add(id: string): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.#dir, id), '', { mode: 0o600 });
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.#dir, id), { force: true });
  }

  /** Container ids whose build did not finish with them. */
  async list(): Promise<string[]> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    return names.filter((n) => isFullId(n));
  }
}

// berth's own infra ("pause") image for pod sandboxes, made locally instead of
// pulled: Debian's static tini as PID 1 (it reaps the orphans of a shared PID
// namespace and ends on SIGTERM) over a static busybox `sleep inf`. It is
// imported into the store once, under a name no registry serves, and kept
// pinned (the CRI's ListImages says so, so that kubelet's GC leaves it alone).
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { Engine, Image } from '../engine/index.ts';
import { findImage } from './image-lookup.ts';

export const pauseImageRef = 'berth.local/pause:1';
const pauseRepo = 'berth.local/pause';
const pauseTag = '1';

/** Static binaries of Debian's tini and busybox-static packages (scripts/setup installs both). */
export const pauseBinaries = { tini: '/usr/bin/tini-static', busybox: '/bin/busybox' };

async function pauseTar(): Promise<Readable> {
  const [tini, busybox] = await Promise.all([readFile(pauseBinaries.tini), readFile(pauseBinaries.busybox)]);
  const p = pack();
  p.entry({ name: 'pause', mode: 0o755, uid: 0, gid: 0 }, tini);
  p.entry({ name: 'sleep', mode: 0o755, uid: 0, gid: 0 }, busybox);
  p.entry({ name: 'etc/', type: 'directory', mode: 0o755 });
  p.entry({ name: 'etc/passwd', mode: 0o644 }, 'root:x:0:0:root:/:/pause\nnobody:x:65534:65534:nobody:/:/pause\n');
  p.entry({ name: 'etc/group', mode: 0o644 }, 'root:x:0:\nnobody:x:65534:\n');
  p.finalize();
  return Readable.from(p);
}

/** Makes the pause image once per store (concurrent callers share the one import). */
export class PauseImage {
  readonly #engine: Engine;
  #making: Promise<Image> | undefined;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  async ensure(): Promise<Image> {
    const found = await findImage(this.#engine, pauseImageRef);
    if (found) return found;
    this.#making ??= (async () => {
      try {
        return await this.#engine.images.import(await pauseTar(), {
          repo: pauseRepo,
          tag: pauseTag,
          changes: ['ENTRYPOINT ["/pause", "--"]', 'CMD ["/sleep", "inf"]', 'STOPSIGNAL SIGTERM'],
          message: 'berth pod infra image (tini-static, busybox sleep)',
        });
      } finally {
        this.#making = undefined;
      }
    })();
    return this.#making;
  }
}

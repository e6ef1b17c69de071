// The one busybox image every engine in a bench runs: made in berthd from the
// rootfs tar of `scripts/setup --busybox-tar` (/bin/busybox of Debian's
// busybox-static), then saved with `berth save` and loaded from that archive
// into dockerd (`docker load`) and podman (`podman load`), so that all three
// run the same image (same config, same layer, same id).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, repo } from './proc.ts';

export const image = 'busybox:latest';

/** Writes the busybox rootfs tar into `dir` and returns its path. */
export function busyboxRootfsTar(dir: string): string {
  const r = spawnSync(join(repo, 'scripts', 'setup'), ['--busybox-tar'], { maxBuffer: 64 << 20 });
  if (r.status !== 0 || r.stdout.length < 1024) throw new Error(`scripts/setup --busybox-tar failed: ${r.stderr.toString().trim()}`);
  const path = join(dir, 'busybox-rootfs.tar');
  writeFileSync(path, r.stdout);
  return path;
}

/**
 * Imports the rootfs tar into berthd as busybox:latest (CMD ["sh"], as docker's
 * busybox image has) and writes `berth save` of it into `dir`; returns the archive's path.
 */
export function busyboxInBerthd(berthEnv: NodeJS.ProcessEnv, rootfsTar: string, dir: string): string {
  busyboxImport(berthEnv, rootfsTar);
  const archive = join(dir, 'busybox-image.tar');
  must(join(repo, 'bin', 'berth'), ['save', '-o', archive, image], { env: berthEnv });
  return archive;
}

/** Imports the rootfs tar as busybox:latest (CMD ["sh"]) through `<root>/bin/berth` (default: this checkout's) into the berthd `env` names. */
export function busyboxImport(berthEnv: NodeJS.ProcessEnv, rootfsTar: string, root = repo, ref = image): void {
  must(join(root, 'bin', 'berth'), ['import', '-c', 'CMD ["sh"]', rootfsTar, ref], { env: berthEnv });
}

/** `docker load` of the saved archive into the daemon DOCKER_HOST in `env` names. */
export function busyboxInDocker(docker: string, env: NodeJS.ProcessEnv, archive: string): void {
  must(docker, ['load', '-q', '-i', archive], { env });
}

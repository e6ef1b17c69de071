// Shared set-up for the runtime integration tests: a busybox rootfs in a temp
// dir (the static binary plus relative applet links, no overlay), a bundle
// written from buildSpec(), and a private execRoot for conmon and the runtime.
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, copyFile, symlink, writeFile, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildSpec, specToJson } from '../../src/runtime/index.ts';
import type { SpecInput } from '../../src/runtime/index.ts';
import { plainSpecDefaults } from '../../src/runtime/spec-defaults.ts';

export const isRoot = process.getuid?.() === 0;

export async function haveTools(): Promise<boolean> {
  try {
    await access('/bin/busybox');
    execFileSync('conmon', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Fixture {
  readonly dir: string;
  readonly rootfs: string;
  readonly execRoot: string;
  /** Writes a bundle for a new container id; returns its paths. */
  bundle(args: string[], over?: Partial<SpecInput>): Promise<{ id: string; bundle: string; logPath: string; cgroupsPath: string }>;
  dispose(): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-rt-'));
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    if (a !== 'busybox') await symlink('busybox', join(rootfs, 'bin', a)).catch(() => undefined);
  }
  await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const execRoot = join(dir, 'exec');
  await mkdir(execRoot);

  return {
    dir,
    rootfs,
    execRoot,
    async bundle(args, over = {}) {
      const id = `berthtest${randomBytes(6).toString('hex')}`;
      const bundle = join(dir, 'bundles', id);
      await mkdir(bundle, { recursive: true });
      const hostname = join(bundle, 'hostname');
      await writeFile(hostname, 'rt-test\n');
      const cgroupsPath = `/berth-test/${id}`;
      const input: SpecInput = {
        containerId: id,
        rootfs,
        readonlyRootfs: false,
        args,
        env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        cwd: '/',
        user: { uid: 0, gid: 0, additionalGids: [] },
        terminal: false,
        hostname: 'rt-test',
        etcFiles: { hostname },
        ...plainSpecDefaults,
        cgroupsPath,
        ...over,
      };
      await writeFile(join(bundle, 'config.json'), specToJson(buildSpec(input)));
      return { id, bundle, logPath: join(bundle, 'ctr.log'), cgroupsPath };
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

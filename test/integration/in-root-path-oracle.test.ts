// lib/in-root-path.ts against the kernel: in random trees of directories and
// symlinks (absolute and relative targets, `..` chains, links to host paths,
// loops), resolvePathInRoot() must name the file that a process chrooted into
// the root reaches: the kernel resolves the path (`chroot root stat -L`, GNU
// coreutils' stat copied in with its libraries) and the device and inode it
// reaches must be those of berth's answer; where berth refuses a loop, the
// kernel fails too. The kernel is the oracle, not a userspace resolver: GNU
// `readlink -f` spins forever on some trees (`/.././././d` here). Needs root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, chmod, lstat, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { isSymlinkLoop, resolvePathInRoot } from '../../src/lib/in-root-path.ts';

const name = fc.constantFrom('a', 'b', 'c', 'd');
const segment = fc.oneof(name, fc.constant('..'), fc.constant('.'));
const entry = fc.record({
  parent: fc.array(name, { maxLength: 2 }),
  name,
  kind: fc.constantFrom('dir', 'file', 'link', 'link', 'link'),
  target: fc.record({ absolute: fc.boolean(), host: fc.boolean(), segs: fc.array(segment, { maxLength: 5 }) }),
});
const scenario = fc.record({
  entries: fc.array(entry, { minLength: 1, maxLength: 14 }),
  queries: fc.array(fc.array(segment, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
});

/** /usr/bin/stat and the shared objects it loads, as ldd names them. */
function statFiles(): string[] {
  const ldd = spawnSync('ldd', ['/usr/bin/stat'], { encoding: 'utf8' });
  assert.equal(ldd.status, 0, `ldd /usr/bin/stat: ${ldd.stderr}`);
  const libs = [...ldd.stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!);
  return ['/usr/bin/stat', ...libs];
}

/** Copies each file (links followed) to the same path under root. */
async function copyInto(root: string, files: readonly string[]): Promise<void> {
  for (const f of files) {
    await mkdir(join(root, dirname(f)), { recursive: true });
    await copyFile(await realpath(f), join(root, f));
    await chmod(join(root, f), 0o755);
  }
}

test('resolvePathInRoot() names what a chrooted process reaches, for random symlink trees', async () => {
  let compared = 0;
  const tools = statFiles();
  await fc.assert(fc.asyncProperty(scenario, async ({ entries, queries }) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-inroot-oracle-'));
    try {
      const root = join(dir, 'root');
      await copyInto(root, tools);
      for (const n of ['a', 'b', 'c', 'd']) await mkdir(join(dir, n), { recursive: true });
      for (const e of entries) {
        const parent = join(root, ...e.parent);
        if (!(await mkdir(parent, { recursive: true }).then(() => true, () => false))) continue;
        const path = join(parent, e.name);
        if (await lstat(path).then(() => true, () => false)) continue;
        const tail = e.target.segs.join('/');
        if (e.kind === 'dir') await mkdir(path);
        else if (e.kind === 'file') await writeFile(path, 'x');
        else if (e.target.host) await symlink(join(dir, tail), path);
        else await symlink(e.target.absolute ? `/${tail}` : tail || '.', path);
      }
      for (const segs of queries) {
        const query = `/${segs.join('/')}`;
        // stat(2) with the kernel's own lookup; the timeout only turns a hang into a failure.
        const kernel = spawnSync('chroot', [root, '/usr/bin/stat', '-L', '-c', '%d:%i', query], { encoding: 'utf8', timeout: 20_000 });
        assert.equal(kernel.error, undefined, `chroot stat ${query}: ${kernel.error}`);
        let ours: string | undefined;
        try {
          ours = await resolvePathInRoot(root, query);
        } catch (err) {
          if (!isSymlinkLoop(err)) throw err;
          assert.notEqual(kernel.status, 0, `berth refused ${query} as a loop, the kernel reached ${kernel.stdout}`);
          continue;
        }
        // Where the kernel reaches a file, berth names that same file (device and inode).
        // Where it does not (a dangling link, `missing/..`), berth's answer names a file
        // that does not exist or lies under the root all the same; the unit properties check that.
        if (kernel.status !== 0) continue;
        compared++;
        const st = await lstat(join(root, ours)).catch((err: Error) => assert.fail(`query ${query}: the kernel reached ${kernel.stdout.trim()}, berth named ${ours}, which does not exist (${err.message})`));
        assert.equal(`${st.dev}:${st.ino}`, kernel.stdout.trim(), `query ${query}: berth named ${ours}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }), { numRuns: 80 });
  // The oracle was asked: most queries in these trees do resolve.
  assert.ok(compared > 80, `only ${compared} queries compared with the kernel`);
});

// COPY and ADD: the sources (the context, another stage or image with
// --from, URLs for ADD, inline heredocs) are hashed for the cache key, then
// copied into a mounted snapshot of the stage whose upper directory becomes
// the step's layer.
import { posix } from 'node:path';
import { sha256, type Digest } from '../../core/digest.ts';
import { notImplemented } from '../../core/errors.ts';
import { shortId } from '../../core/ids.ts';
import { diffToLayer, type OciHistory } from '../../image/index.ts';
import { resolveUser } from '../../runtime/index.ts';
import type { BuildSession } from '../build-session.ts';
import { nop, parseOctal, type StageState } from '../build-state.ts';
import { hostFs } from '../context-fs.ts';
import { copyInto, hashSources, resolveSources, type CopySource } from '../copy.ts';
import { fetchUrls } from '../fetch-url.ts';
import { commitStage, mountLayers, sourceRoot } from '../layer-commit.ts';
import type { AddCommand, CopyCommand } from '../parser/index.ts';
import { tryCache } from '../step-cache.ts';

export async function copyStep(b: BuildSession, st: StageState, cmd: CopyCommand | AddCommand): Promise<void> {
  const x = b.expander(st);
  const what = cmd.kind;
  if (cmd.kind === 'ADD') {
    for (const s of cmd.sources) if (/^git:\/\/|\.git$|^git@/.test(s)) throw notImplemented(`${what} failed: berth does not support ADD of a git repository yet: ${s}`);
  }
  if (cmd.exclude.length > 0) throw notImplemented(`${what} --exclude is not supported by berth yet`);
  if (cmd.kind === 'COPY' && cmd.parents) throw notImplemented('COPY --parents is not supported by berth yet');
  // --link only changes how BuildKit stores the layer; the files are the same.
  const from = cmd.kind === 'COPY' ? x(cmd.from) : '';
  const sources = cmd.sources.map(x);
  const destAsWritten = x(cmd.dest);
  let dest = destAsWritten;
  const workdir = st.config.config?.WorkingDir || '/';
  if (!dest.startsWith('/')) dest = posix.join(workdir, dest) + (dest.endsWith('/') || dest === '.' ? '/' : '');
  const chmodValue = cmd.chmod ? parseOctal(x(cmd.chmod)) : undefined;
  const chown = cmd.chown ? x(cmd.chown) : '';

  const srcMount = from === '' ? undefined : await sourceRoot(b, from);
  const urls = what === 'ADD' ? sources.filter((u) => /^https?:\/\//.test(u)) : [];
  const download = urls.length > 0 ? await fetchUrls(urls, b.d.tmpDir) : undefined;
  try {
    // The context's files may be in memory (context.ts): they are hashed there, and written to disk only when the step runs.
    const [fs, srcRoot] = srcMount ? [hostFs, srcMount.dir] : [b.r.context.fs, b.r.context.root];
    const locals = sources.filter((u) => !urls.includes(u));
    const found: CopySource[] = [...(locals.length > 0 ? await resolveSources(fs, srcRoot, locals, what) : []), ...(download?.files ?? [])];
    const inline = cmd.sourceContents.map((s) => ({ name: s.path, data: s.expand ? x(s.data) : s.data }));
    const hash = await hashSources(found);
    const inlineHash = sha256(JSON.stringify(inline)).slice(7, 19);
    const first = found[0];
    const kind = found.length === 1 && first !== undefined && inline.length === 0 ? ((await (first.fs ?? hostFs).stat(first.abs)).isDirectory() ? 'dir' : 'file') : 'multi';
    // The classic builder's text: `--chown=` glued to the hash, the destination as written.
    const chownText = chown ? `--chown=${chown}` : '';
    const createdBy = nop(`${what} ${chownText}${kind}:${hash}${inline.length > 0 ? `+${inlineHash}` : ''} in ${destAsWritten} `, st.config.config?.Shell);
    const key = b.cache.key([st.imageId ?? JSON.stringify(st.config), createdBy, from, chown, String(chmodValue ?? '')]);
    if (await tryCache(b, st, key, createdBy)) return;

    const onDisk = await Promise.all(found.map(async (f) => (f.fs !== undefined && f.fs !== hostFs ? { ...f, abs: await b.r.context.hostPath(f.abs), fs: hostFs } : f)));
    const mount = await mountLayers(b, st.config.rootfs.diff_ids);
    let diffId: Digest;
    try {
      const owner = chown ? await ownerOf(mount.merged, chown) : undefined;
      await copyInto({
        sources: onDisk,
        inline,
        dest,
        destRoot: mount.merged,
        ...(owner ? { owner } : {}),
        ...(chmodValue !== undefined ? { mode: chmodValue } : {}),
        add: what === 'ADD',
        tmpDir: b.d.tmpDir,
        what,
      });
      await b.d.snapshotter.unmountRootfs(mount.id);
      diffId = (await diffToLayer(mount.upper, b.d.blobs, { overlay: true, lease: b.lease, ...(b.epoch !== undefined ? { epoch: b.epoch } : {}) })).diffId;
    } finally {
      await b.d.snapshotter.removeRootfs(mount.id);
    }
    st.config.rootfs = { type: 'layers', diff_ids: [...st.config.rootfs.diff_ids, diffId] };
    st.config.history = [...(st.config.history ?? []), { created: b.now(), created_by: createdBy } satisfies OciHistory];
    const id = await commitStage(b, st);
    b.cache.put(key, id);
    st.say(` ---> ${shortId(id)}\n`);
  } finally {
    await srcMount?.release();
    await download?.dispose();
  }
}

/** `--chown=user[:group]` resolved in the stage's rootfs (a numeric user alone is its own group, as docker does). */
async function ownerOf(rootfs: string, chown: string): Promise<{ uid: number; gid: number }> {
  const [user = '', group] = chown.split(':');
  const u = await resolveUser(rootfs, group !== undefined ? `${user}:${group}` : user);
  return { uid: u.uid, gid: group !== undefined ? u.gid : /^\d+$/.test(user) ? u.uid : u.gid };
}

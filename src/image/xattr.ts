// Sets extended attributes (overlay opaque markers, SCHILY.xattr.* from layer
// tars) without following symlinks. Node has no xattr API, so this uses
// `setfattr` (package attr) when installed, else one python3 process per batch.
import { access, constants } from 'node:fs/promises';
import { runTool } from '../lib/run-tool.ts';

export interface XattrOp {
  readonly path: string;
  readonly name: string;
  readonly value: Buffer;
}

/**
 * overlayfs keeps its own state in xattrs of these namespaces (`trusted.` when
 * root mounts it, `user.` with `userxattr`): opaque directories, redirects,
 * metacopy, origin, xattr whiteouts. A layer that set them could make files of
 * the layers below appear, vanish or stand in for one another; its only say is
 * through the OCI whiteout entries, which the unpack turns into them itself.
 */
const overlayPrivatePrefixes = ['trusted.overlay.', 'user.overlay.'];
/** Linux's limits (XATTR_NAME_MAX, XATTR_SIZE_MAX): setxattr(2) refuses more. */
const maxNameBytes = 255;
const maxValueBytes = 65536;

/** Whether the name is overlayfs' own: a layer may not set it (the unpack skips it). */
export function isOverlayPrivateXattr(name: string): boolean {
  return overlayPrivatePrefixes.some((p) => name.startsWith(p));
}

/** Why Linux cannot hold this xattr (undefined: it can); checked before holding it in memory. */
export function xattrLimitError(name: string, value: Buffer): string | undefined {
  if (name === '' || Buffer.byteLength(name) > maxNameBytes) return `invalid extended attribute name "${name.slice(0, 300)}": empty or longer than ${maxNameBytes} bytes`;
  if (value.length > maxValueBytes) return `extended attribute ${name} is ${value.length} bytes, more than ${maxValueBytes}`;
  return undefined;
}

const pythonSetter = `
import sys, json, os, base64
for op in json.load(sys.stdin):
    os.setxattr(op["path"], op["name"], base64.b64decode(op["value"]), follow_symlinks=False)
`;

async function findTool(names: readonly string[]): Promise<string | undefined> {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    for (const name of names) {
      try {
        await access(`${dir}/${name}`, constants.X_OK);
        return `${dir}/${name}`;
      } catch {
        // try the next place
      }
    }
  }
  return undefined;
}

let setter: Promise<{ kind: 'setfattr' | 'python3'; path: string } | undefined> | undefined;

function findSetter() {
  setter ??= (async () => {
    const s = await findTool(['setfattr']);
    if (s) return { kind: 'setfattr' as const, path: s };
    const p = await findTool(['python3']);
    if (p) return { kind: 'python3' as const, path: p };
    return undefined;
  })();
  return setter;
}

/** Applies all `ops`; throws when no tool can set xattrs or one fails. */
export async function setXattrs(ops: readonly XattrOp[]): Promise<void> {
  if (ops.length === 0) return;
  const tool = await findSetter();
  if (!tool) throw new Error('cannot set extended attributes: neither setfattr (package attr) nor python3 is installed');
  if (tool.kind === 'python3') {
    const input = JSON.stringify(ops.map((o) => ({ path: o.path, name: o.name, value: o.value.toString('base64') })));
    await runTool(tool.path, ['-c', pythonSetter], { input });
    return;
  }
  for (const op of ops) {
    await runTool(tool.path, ['-h', '-n', op.name, '-v', `0s${op.value.toString('base64')}`, '--', op.path]);
  }
}

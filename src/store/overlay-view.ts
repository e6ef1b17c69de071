// The mount that shows an image's layers read-only (a "view", in containerd's
// words): an overlay of the layer directories with no upper dir, which the
// kernel mounts read-only by itself. overlayfs wants at least two lower dirs
// when there is no upper one, and refuses the same directory twice: one layer
// gets the snapshotter's empty directory under it, and an image without
// layers is the empty directory bound read-only.
import { failedPrecondition } from '../core/errors.ts';

/** Longest overlay option string the kernel accepts (one page, minus the NUL). */
export const maxMountData = 4095;

export type ViewMount =
  | { readonly kind: 'overlay'; /** `lowerdir=…` (and nothing else: no upper, no work dir). */ readonly data: string }
  | { readonly kind: 'bind'; readonly source: string };

/**
 * The mount of a view over `lowers` (layer directories, top first, as the
 * options name them: relative to the snapshotter's directory or absolute);
 * `empty` is an empty directory named the same way. FailedPrecondition when
 * the option string would not fit in a page.
 */
export function viewMount(lowers: readonly string[], empty: string): ViewMount {
  if (lowers.length === 0) return { kind: 'bind', source: empty };
  const dirs = lowers.length === 1 ? [lowers[0]!, empty] : [...lowers];
  for (const d of dirs) {
    // overlayfs splits lowerdir at ':' and its options at ',' (and '\\' escapes): such a name is not said plainly.
    if (/[,:\\]/.test(d)) throw failedPrecondition(`Cannot mount an image view: the layer directory "${d}" has a ',', ':' or '\\' in its name`);
  }
  const data = `lowerdir=${dirs.join(':')}`;
  if (data.length > maxMountData) throw failedPrecondition(`Cannot mount an image view: ${lowers.length} layers exceed the overlay mount option limit`);
  return { kind: 'overlay', data };
}

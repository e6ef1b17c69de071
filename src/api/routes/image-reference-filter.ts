// The `reference` filter of GET /images/json narrows what a listed image
// shows, as dockerd does: only the tags and digests that match one of the
// patterns stay in RepoTags and RepoDigests (moby daemon/images ListImages,
// reference.FamiliarMatch). Which images are listed is the engine's business.
import { familiarName, parseReference } from '../../core/reference.ts';
import type { Image } from '../../engine/index.ts';

/** Go's path.Match: `*` and `?` do not cross `/`; `[...]` is a class. */
function pathMatch(pattern: string, value: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) return false;
      re += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(value);
}

/** reference.FamiliarMatch: the pattern against `name:tag` (or `name@digest`), then against the bare name. */
function familiarMatch(pattern: string, ref: string): boolean {
  const parsed = parseReference(ref);
  return pathMatch(pattern, familiarName(parsed)) || pathMatch(pattern, familiarName({ domain: parsed.domain, path: parsed.path }));
}

/** The image with only the references that match one of the patterns (all of them without patterns). */
export function narrowToReferences(img: Image, patterns: readonly string[]): Image {
  if (patterns.length === 0) return img;
  const keep = (ref: string) => patterns.some((p) => familiarMatch(p, ref));
  return { ...img, repoTags: img.repoTags.filter(keep), repoDigests: img.repoDigests.filter(keep) };
}

// The `reference` filter of GET /images/json narrows what a listed image
// shows, as dockerd does: only the tags and digests that match one of the
// patterns stay in RepoTags and RepoDigests (moby daemon/images ListImages,
// reference.FamiliarMatch). Which images are listed is the engine's business.
import { familiarName, parseReference, referencePatternMatch } from '../../core/reference.ts';
import type { Image } from '../../engine/index.ts';

/** reference.FamiliarMatch: the pattern against `name:tag` (or `name@digest`), then against the bare name. */
function familiarMatch(pattern: string, ref: string): boolean {
  const parsed = parseReference(ref);
  return referencePatternMatch(pattern, familiarName(parsed)) || referencePatternMatch(pattern, familiarName({ domain: parsed.domain, path: parsed.path }));
}

/** The image with only the references that match one of the patterns (all of them without patterns). */
export function narrowToReferences(img: Image, patterns: readonly string[]): Image {
  if (patterns.length === 0) return img;
  const keep = (ref: string) => patterns.some((p) => familiarMatch(p, ref));
  return { ...img, repoTags: img.repoTags.filter(keep), repoDigests: img.repoDigests.filter(keep) };
}

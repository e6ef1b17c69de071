// engine: the attributes docker puts on every container event. A leaf, so
// that services publishing their own events need not import the publishing
// wrappers (which import the services).
import type { Container } from '../../core/types.ts';

/** Attributes docker puts on every container event: its labels, image and name. */
export function containerAttributes(c: Container, extra: Record<string, string> = {}): Record<string, string> {
  return { ...c.spec.labels, image: c.spec.image, name: c.name, ...extra };
}

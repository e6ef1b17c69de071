// The proxy through which the event publishers wrap a service, and the
// familiar image names their events carry.
import { familiarName, parseReference } from '../../core/reference.ts';

/** An image reference as docker's events name it (`busybox:latest`); the input when it does not parse. */
export function familiar(ref: string): string {
  try {
    return familiarName(parseReference(ref));
  } catch {
    return ref;
  }
}

/**
 * A view of `target` whose methods named in `overrides` are replaced; every
 * other member is the target's own (bound, since the services keep #private
 * state), so methods added later pass through unchanged.
 */
export function wrap<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return (overrides as Record<string | symbol, unknown>)[prop];
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

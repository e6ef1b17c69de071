// Finding an image of the store by a CRI reference or id.
import { errorMessage, isNotFound } from '../core/errors.ts';
import type { Engine, Image } from '../engine/index.ts';

/** The image a CRI reference or id names, or undefined when the store has none. */
export async function findImage(engine: Engine, ref: string): Promise<Image | undefined> {
  if (ref === '') return undefined;
  try {
    return await engine.images.inspect(ref);
  } catch (err) {
    if (isNotFound(err) || errorMessage(err).includes('invalid reference format')) return undefined;
    throw err;
  }
}

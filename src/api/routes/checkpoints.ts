// Container checkpoints (`/containers/{id}/checkpoints`): an experimental
// feature of dockerd, which a daemon not in experimental mode — as berthd
// always is — refuses with 501 and this text, whatever the container.
import { notImplemented } from '../../core/errors.ts';
import type { Router } from '../router.ts';

const disabled = 'This experimental feature is disabled by default. Start the Docker daemon in experimental mode in order to enable it.';

export function addCheckpointRoutes(router: Router): void {
  const refuse = async () => {
    throw notImplemented(disabled);
  };
  router.add('GET', '/containers/{id}/checkpoints', refuse);
  router.add('POST', '/containers/{id}/checkpoints', refuse);
  router.add('DELETE', '/containers/{id}/checkpoints/{checkpoint}', refuse);
}

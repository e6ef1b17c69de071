// Lookups of object kinds berth does not manage yet (networks, volumes,
// plugins) answer 404 with dockerd's "not found" texts rather than 501: the
// docker CLI's `inspect <name>` tries every kind in turn and only moves on
// after a 404, so a 501 here would break `docker inspect` of a missing object.
import { notFound } from '../../core/errors.ts';
import type { Router } from '../router.ts';

export function addPlaceholderRoutes(router: Router): void {
  router.add('GET', '/networks/{id}', async ({ params }) => {
    throw notFound(`network ${params['id']} not found`);
  });
  router.add('GET', '/plugins/{name}/json', async ({ params }) => {
    throw notFound(`plugin "${params['name']}" not found`);
  });
}

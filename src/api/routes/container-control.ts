// Container routes beyond the basic lifecycle: pause, unpause, rename, top.
import { invalidArgument } from '../../core/errors.ts';
import { sendEmpty, sendJson } from '../http-util.ts';
import type { Router } from '../router.ts';

export function addContainerControlRoutes(router: Router): void {
  router.add('POST', '/containers/{id}/pause', async ({ res, params, engine }) => {
    await engine.containers.pause(params['id']!);
    sendEmpty(res, 204);
  });

  router.add('POST', '/containers/{id}/unpause', async ({ res, params, engine }) => {
    await engine.containers.unpause(params['id']!);
    sendEmpty(res, 204);
  });

  router.add('POST', '/containers/{id}/rename', async ({ res, params, query, engine }) => {
    const name = query.get('name');
    if (name === null) throw invalidArgument('Neither old nor new names may be empty');
    await engine.containers.rename(params['id']!, name);
    sendEmpty(res, 204);
  });

  router.add('GET', '/containers/{id}/top', async ({ res, params, query, engine }) => {
    const top = await engine.containers.top(params['id']!, query.get('ps_args') ?? '');
    sendJson(res, 200, { Titles: top.titles, Processes: top.processes });
  });
}

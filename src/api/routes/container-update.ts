// POST /containers/{id}/update: docker update's body (resource limits and the
// restart policy; zero or absent fields stay as they are) → the engine.
import { errorMessage, internal, invalidArgument } from '../../core/errors.ts';
import type { ContainerUpdate } from '../../engine/index.ts';
import { validateRestartPolicy } from '../../core/restart-policy.ts';
import { readJson, sendJson } from '../http-util.ts';
import type { Router } from '../router.ts';

type Obj = Record<string, unknown>;

function numberField(body: Obj, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(`invalid ${key}: expected a number`);
  return v;
}

/** The update body as a ContainerUpdate: docker treats 0 as "unchanged" for the limits. */
export function updateFromBody(body: unknown): ContainerUpdate {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('invalid request body: expected a JSON object');
  const b = body as Obj;
  const out: { -readonly [K in keyof ContainerUpdate]: ContainerUpdate[K] } = {};
  const nonZero = (key: string) => {
    const n = numberField(b, key);
    return n === undefined || n === 0 ? undefined : n;
  };
  const set = <K extends keyof ContainerUpdate>(k: K, v: ContainerUpdate[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('memory', nonZero('Memory'));
  set('memorySwap', nonZero('MemorySwap'));
  set('memoryReservation', nonZero('MemoryReservation'));
  set('nanoCpus', nonZero('NanoCpus'));
  set('cpuShares', nonZero('CpuShares'));
  set('cpuQuota', nonZero('CpuQuota'));
  set('cpuPeriod', nonZero('CpuPeriod'));
  if (typeof b['CpusetCpus'] === 'string' && b['CpusetCpus'] !== '') out.cpusetCpus = b['CpusetCpus'];
  // PidsLimit: absent/null unchanged, 0 or -1 unlimited.
  const pids = numberField(b, 'PidsLimit');
  if (pids !== undefined) out.pidsLimit = pids <= 0 ? 0 : pids;
  const rp = b['RestartPolicy'];
  if (rp && typeof rp === 'object' && !Array.isArray(rp)) {
    const name = (rp as Obj)['Name'];
    if (typeof name === 'string' && name !== '') {
      const count = (rp as Obj)['MaximumRetryCount'];
      try {
        out.restartPolicy = validateRestartPolicy(name, typeof count === 'number' ? count : 0);
      } catch (err) {
        throw invalidArgument(errorMessage(err));
      }
    }
  }
  return out;
}

export function addContainerUpdateRoute(router: Router): void {
  router.add('POST', '/containers/{id}/update', async ({ req, res, params, engine }) => {
    const update = updateFromBody(await readJson(req));
    if (!engine.containers.update) throw internal('container update is not supported by this engine');
    const r = await engine.containers.update(params['id']!, update);
    // dockerd answers null, not [], when there is nothing to warn about.
    sendJson(res, 200, { Warnings: r.warnings.length > 0 ? r.warnings : null });
  });
}

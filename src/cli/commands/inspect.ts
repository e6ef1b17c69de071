// cli: `berth inspect` (docker's system inspect) — a name looked up as a
// container, image, network, volume, then the swarm objects (on a swarm
// manager) and plugins, or only as the --type given; `container inspect` and
// `image inspect` are the typed forms.
import type { EngineClient } from '../../client/index.ts';
import { isNotFound, isNotImplemented } from '../../core/errors.ts';
import { ExitError, describeError, err, getClient } from '../../cli-kit/index.ts';
import { requireDaemon } from '../daemon-requirements.ts';
import { inspectTemplate, printInspected } from '../inspect-output.ts';
import { typedNils } from '../inspect-typed.ts';

interface Inspector {
  readonly type: string;
  readonly sizeSupported?: boolean;
  /** Tried without --type only on a swarm manager. */
  readonly swarm?: boolean;
  readonly fetch: (name: string) => Promise<unknown>;
}

/** docker's order of object types for a name without --type. */
function inspectors(client: EngineClient, size: boolean): Inspector[] {
  const get = (path: string) => (name: string) => client.json('GET', path.replace('{}', encodeURIComponent(name)));
  return [
    { type: 'container', sizeSupported: true, fetch: async (n) => typedNils(await client.containerInspect(n, { size }), 'container') },
    { type: 'image', fetch: async (n) => typedNils(await client.imageInspect(n), 'image') },
    { type: 'network', fetch: get('/networks/{}') },
    { type: 'volume', fetch: get('/volumes/{}') },
    { type: 'service', swarm: true, fetch: get('/services/{}') },
    { type: 'task', swarm: true, fetch: get('/tasks/{}') },
    { type: 'node', swarm: true, fetch: get('/nodes/{}') },
    { type: 'plugin', fetch: get('/plugins/{}/json') },
    { type: 'secret', swarm: true, fetch: get('/secrets/{}') },
    { type: 'config', swarm: true, fetch: get('/configs/{}') },
  ];
}

/** An error that lets the search go on to the next type (docker's isErrSkippable). */
function skippable(e: unknown): boolean {
  const text = e instanceof Error ? e.message : String(e);
  return isNotFound(e) || isNotImplemented(e) || text.includes('not supported') || text.includes('invalid reference format');
}

export async function inspectCommand(names: string[], opts: { format?: string; type?: string; size?: boolean; platform?: string }): Promise<void> {
  // `image inspect --platform` needs API 1.49, more than berth's client speaks
  if (opts.platform !== undefined) await requireDaemon('--platform', { api: '1.49' });
  const client = await getClient();
  const type = opts.type ?? '';
  const all = inspectors(client, !!opts.size);
  if (type !== '' && !all.some((i) => i.type === type)) {
    const known = all.map((i) => `"${i.type}"`).sort().join(', ');
    throw new ExitError(1, `unknown type: "${type}": must be one of ${known}`);
  }
  const tmpl = inspectTemplate(opts.format);
  let swarmManager: boolean | undefined;
  const isSwarmManager = async () => {
    if (swarmManager === undefined) {
      const info = await client.info().catch(() => undefined) as { Swarm?: { ControlAvailable?: boolean } } | undefined;
      swarmManager = info?.Swarm?.ControlAvailable === true;
    }
    return swarmManager;
  };
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of names) {
    let done = false;
    try {
      for (const inspector of all) {
        if (type !== '' && inspector.type !== type) continue;
        if (type === '' && inspector.swarm && !(await isSwarmManager())) continue;
        let obj: unknown;
        try {
          obj = await inspector.fetch(name);
        } catch (e) {
          if (type === '' && skippable(e)) continue;
          throw e;
        }
        if (opts.size && !inspector.sizeSupported) err(`WARNING: --size ignored for ${inspector.type}\n`);
        found.push(obj);
        done = true;
        break;
      }
      if (!done) errors.push(`Error: No such object: ${name}`);
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  printInspected(found, errors, tmpl);
}

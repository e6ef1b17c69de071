// Publishing docker's image, network and volume events around the image,
// registry, network and volume services: each call that succeeds publishes
// what dockerd would (image tag, pull, network connect, volume destroy…).
import type { EventPublisher } from './events.ts';
import type { ImageService, RegistryService, VolumeService } from '../types.ts';
import type { NetworkService } from '../network/networks.ts';
import { familiar, wrap } from './service-proxy.ts';

export function publishImageEvents(s: ImageService, events: EventPublisher): ImageService {
  const emit = (action: string, id: string, name: string) => events.publish({ type: 'image', action, id, attributes: { name } });
  return wrap<ImageService>(s, {
    async tag(source, repo, tag) {
      await s.tag(source, repo, tag);
      const img = await s.inspect(source);
      emit('tag', img.id, familiar(`${repo}:${tag ?? 'latest'}`));
    },
    async remove(nameOrId, options) {
      const img = await s.inspect(nameOrId).catch(() => undefined);
      const results = await s.remove(nameOrId, options);
      for (const r of results) {
        if (r.untagged !== undefined) emit('untag', img?.id ?? r.untagged, img?.id ?? r.untagged);
        if (r.deleted !== undefined && r.deleted === img?.id) emit('delete', r.deleted, r.deleted);
      }
      return results;
    },
    async import(tar, options) {
      const img = await s.import(tar, options);
      emit('import', img.id, img.repoTags[0] !== undefined ? familiar(img.repoTags[0]) : img.id);
      return img;
    },
    async load(archive, options) {
      const r = await s.load(archive, options);
      for (const id of r.images) {
        const img = await s.inspect(id).catch(() => undefined);
        emit('load', id, img?.repoTags[0] !== undefined ? familiar(img.repoTags[0]) : id);
      }
      return r;
    },
    async save(names, out, options) {
      await s.save(names, out, options);
      for (const n of names) {
        const img = await s.inspect(n).catch(() => undefined);
        emit('save', img?.id ?? n, familiar(n));
      }
    },
  });
}

export function publishRegistryEvents(s: RegistryService, events: EventPublisher): RegistryService {
  return wrap<RegistryService>(s, {
    async pull(ref, options) {
      const r = await s.pull(ref, options);
      const name = familiar(ref.includes(':') || ref.includes('@') ? ref : `${ref}:latest`);
      events.publish({ type: 'image', action: 'pull', id: name, attributes: { name: name.replace(/[:@][^:/]*$/, '') } });
      return r;
    },
    async push(ref, options) {
      const r = await s.push(ref, options);
      events.publish({ type: 'image', action: 'push', id: familiar(ref), attributes: { name: familiar(ref) } });
      return r;
    },
  });
}

export function publishNetworkEvents(s: NetworkService, events: EventPublisher): NetworkService {
  const emit = (action: string, id: string, attributes: Record<string, string>) => events.publish({ type: 'network', action, id, attributes });
  return wrap<NetworkService>(s, {
    async create(options) {
      const n = await s.create(options);
      emit('create', n.id, { name: n.name, type: n.driver });
      return n;
    },
    async remove(idOrName) {
      const n = (await s.inspect(idOrName)).network;
      await s.remove(idOrName);
      emit('destroy', n.id, { name: n.name, type: n.driver });
    },
    async connect(network, container, endpoint) {
      await s.connect(network, container, endpoint);
      const n = (await s.inspect(network)).network;
      emit('connect', n.id, { container, name: n.name, type: n.driver });
    },
    async disconnect(network, container, options) {
      const n = (await s.inspect(network)).network;
      await s.disconnect(network, container, options);
      emit('disconnect', n.id, { container, name: n.name, type: n.driver });
    },
    async prune(filters) {
      const removed = await s.prune(filters);
      for (const name of removed) emit('destroy', name, { name, type: 'bridge' });
      return removed;
    },
  });
}

export function publishVolumeEvents(s: VolumeService, events: EventPublisher): VolumeService {
  const emit = (action: string, name: string) => events.publish({ type: 'volume', action, id: name, attributes: { driver: 'local' } });
  return wrap<VolumeService>(s, {
    async create(options) {
      const existed = options?.name !== undefined ? await s.inspect(options.name).then(() => true, () => false) : false;
      const v = await s.create(options);
      if (!existed) emit('create', v.name);
      return v;
    },
    async remove(name, options) {
      const existed = await s.inspect(name).then(() => true, () => false);
      await s.remove(name, options);
      if (existed) emit('destroy', name);
    },
    async prune(options) {
      const r = await s.prune(options);
      for (const name of r.deleted) emit('destroy', name);
      return r;
    },
  });
}

// runtime.v1.ImageService on berth's own store: an image pulled here is one
// `berth images` lists, and the other way round. References are the store's
// normalised ones (`docker.io/library/busybox:latest`), as kubelet expects.
import { isNotFound } from '../core/errors.ts';
import type { Engine, Image } from '../engine/index.ts';
import { pauseImageRef } from './pause-image.ts';
import type { Handler } from './handler.ts';
import { findImage } from './image-lookup.ts';

interface ImageSpecMsg {
  readonly image: string;
}
interface AuthConfigMsg {
  readonly username: string;
  readonly password: string;
  readonly auth: string;
  readonly server_address: string;
  readonly identity_token: string;
  readonly registry_token: string;
}

/** The CRI's Image message. */
export function imageMessage(img: Image): object {
  const user = img.config.config?.User ?? '';
  const uidText = user.split(':')[0] ?? '';
  const numeric = /^\d+$/.test(uidText);
  return {
    id: img.id,
    repo_tags: img.repoTags,
    repo_digests: img.repoDigests,
    size: String(img.size),
    ...(numeric ? { uid: { value: uidText } } : {}),
    username: numeric ? '' : uidText,
    spec: { image: img.id, annotations: {} },
    pinned: img.repoTags.includes(pauseImageRef),
  };
}

function credentialsOf(auth: AuthConfigMsg | null | undefined): { username?: string; password?: string; identityToken?: string; registryToken?: string } | undefined {
  if (!auth) return undefined;
  let { username, password } = auth;
  if (auth.auth !== '' && username === '' && password === '') {
    const decoded = Buffer.from(auth.auth, 'base64').toString();
    const i = decoded.indexOf(':');
    if (i > 0) {
      username = decoded.slice(0, i);
      password = decoded.slice(i + 1);
    }
  }
  const creds = {
    ...(username !== '' ? { username } : {}),
    ...(password !== '' ? { password } : {}),
    ...(auth.identity_token !== '' ? { identityToken: auth.identity_token } : {}),
    ...(auth.registry_token !== '' ? { registryToken: auth.registry_token } : {}),
  };
  return Object.keys(creds).length > 0 ? creds : undefined;
}

export function imageHandlers(engine: Engine): Record<string, Handler> {
  const handlers = {
    async ListImages(req: { filter: { image: ImageSpecMsg | null } | null }) {
      const wanted = req.filter?.image?.image ?? '';
      const images = await engine.images.list();
      if (wanted === '') return { images: images.map(imageMessage) };
      const one = await findImage(engine, wanted);
      return { images: one ? [imageMessage(one)] : [] };
    },
    async ImageStatus(req: { image: ImageSpecMsg | null; verbose: boolean }) {
      const img = await findImage(engine, req.image?.image ?? '');
      if (!img) return {};
      return { image: imageMessage(img), info: req.verbose ? { info: JSON.stringify({ id: img.id, config: img.config, chain: img.chain }) } : {} };
    },
    async PullImage(req: { image: ImageSpecMsg | null; auth: AuthConfigMsg | null }) {
      const ref = req.image?.image ?? '';
      const credentials = credentialsOf(req.auth);
      const { image } = await engine.registry!.pull(ref, credentials ? { credentials } : {});
      return { image_ref: image.id };
    },
    async RemoveImage(req: { image: ImageSpecMsg | null }) {
      // Removing an image that is not there succeeds (the CRI's remove is idempotent).
      const img = await findImage(engine, req.image?.image ?? '');
      if (!img) return {};
      await engine.images.remove(img.id, { force: true }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      return {};
    },
    async ImageFsInfo() {
      const usage = await engine.system.imageFilesystem!();
      const fs = { timestamp: usage.timestampNs.toString(), fs_id: { mountpoint: usage.mountpoint }, used_bytes: { value: String(usage.usedBytes) }, inodes_used: { value: String(usage.inodesUsed) } };
      return { image_filesystems: [fs], container_filesystems: [fs] };
    },
  };
  return handlers as unknown as Record<string, Handler>;
}

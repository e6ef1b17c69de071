// Kubernetes' image volumes (KEP 4639): a CRI Mount with `image` set mounts
// that image's filesystem, read-only, at container_path (or one directory of
// it, image_sub_path). kubelet pulls the image first and names it by the id
// PullImage answered; berth never pulls here: an image not in the store is an
// error, as in containerd. The mount itself is the engine's (an `image`
// mount: a read-only overlay of the image's layers, kept while the container
// exists, see engine/container/image-mounts.ts). As containerd, every failure
// says "ImageVolumeMountFailed" (kubelet's crierrors.ErrImageVolumeMountFailed),
// and ContainerStatus reports the mount with the image and its id (image_ref).
import { BerthError, invalidArgument, notFound } from '../core/errors.ts';
import type { Container, MountSpec } from '../core/types.ts';
import { isImageMountError, type Engine } from '../engine/index.ts';
import { findImage } from './image-lookup.ts';

/** The text that marks an image volume's failure (k8s.io/cri-api's errors.ErrImageVolumeMountFailed). */
export const imageVolumeMountFailed = 'ImageVolumeMountFailed';

export interface ImageSpecMsg {
  readonly image: string;
  readonly user_specified_image?: string;
}

/** The fields of a CRI Mount this file reads. */
export interface ImageMountMsg {
  readonly container_path: string;
  readonly host_path: string;
  readonly readonly: boolean;
  /** null when the mount is not an image volume (proto-loader's default for a message field). */
  readonly image?: ImageSpecMsg | null;
  readonly image_sub_path?: string;
}

export function isImageVolume(m: ImageMountMsg): boolean {
  return m.image !== null && m.image !== undefined;
}

function failed(kind: (message: string) => BerthError, why: string): BerthError {
  return kind(`${imageVolumeMountFailed}: ${why}`);
}

/** The engine's mount for one image volume; checks it as containerd does (a host path, a writable mount, no image). */
export async function imageVolumeSpec(engine: Engine, m: ImageMountMsg): Promise<MountSpec> {
  const at = `container_path "${m.container_path}"`;
  if (m.host_path !== '') throw failed(invalidArgument, `hostpath must be empty while mount image (${at})`);
  if (!m.readonly) throw failed(invalidArgument, `readonly must be true while mount image (${at})`);
  const ref = m.image?.image ?? '';
  if (ref === '') throw failed(invalidArgument, `image not specified (${at})`);
  // kubelet pulled it (its pull policy is its own); berth does not pull here.
  if (!(await findImage(engine, ref))) throw failed(notFound, `failed to resolve image "${ref}": not found`);
  const subpath = m.image_sub_path ?? '';
  return { type: 'image', source: ref, target: m.container_path, readOnly: true, ...(subpath !== '' ? { imageSubpath: subpath } : {}) };
}

/** The image volumes of a CreateContainer request, as engine mounts (the other mounts are binds: container-config.ts). */
export async function imageVolumeSpecs(engine: Engine, mounts: readonly ImageMountMsg[]): Promise<MountSpec[]> {
  const out: MountSpec[] = [];
  for (const m of mounts) if (isImageVolume(m)) out.push(await imageVolumeSpec(engine, m));
  return out;
}

/** An error of the engine's create: one about an image mount gets the CRI's mark, with its kind kept. */
export function asImageVolumeError(err: unknown): unknown {
  return isImageMountError(err) ? new BerthError(err.code, `${imageVolumeMountFailed}: ${err.message}`, { cause: err }) : err;
}

/** ContainerStatus' entries for the container's image volumes. */
export function imageVolumeStatuses(c: Container): object[] {
  return (c.mountPoints ?? []).flatMap((m) =>
    m.type === 'image' && m.image
      ? [{
          container_path: m.destination,
          host_path: m.source,
          readonly: true,
          propagation: 'PROPAGATION_PRIVATE',
          image: { image: m.image.ref, image_ref: m.image.id },
          image_sub_path: m.image.subpath,
        }]
      : [],
  );
}

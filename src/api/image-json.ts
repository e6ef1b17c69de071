// berth's Image → Docker's wire shapes: `GET /images/json` entries, image
// inspect, and history entries. Tags in docker's familiar form (`busybox:latest`).
import { familiarName, parseReference } from '../core/reference.ts';
import type { HistoryEntry, Image, OciContainerConfig } from '../engine/index.ts';
import { versionLess } from './version.ts';

function familiar(ref: string): string {
  try {
    return familiarName(parseReference(ref));
  } catch {
    return ref;
  }
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) || 0;

export function imageListJson(img: Image, options: { version: string; parent?: string }) {
  const dangling = img.repoTags.length === 0;
  return {
    Id: img.id,
    ParentId: options.parent ?? '',
    RepoTags: dangling && versionLess(options.version, '1.43') ? ['<none>:<none>'] : img.repoTags.map(familiar),
    // Before 1.43 dockerd lists a dangling image as <none>@<none> and a tagged one without digests as null.
    RepoDigests: img.repoDigests.length > 0 || !versionLess(options.version, '1.43') ? img.repoDigests.map(familiar) : dangling ? ['<none>@<none>'] : null,
    Created: seconds(img.created),
    Size: img.size,
    SharedSize: -1,
    ...(versionLess(options.version, '1.44') ? { VirtualSize: img.size } : {}),
    // dockerd: the config's labels as they are, null when the image has none.
    Labels: img.config.config?.Labels ?? null,
    Containers: -1,
  };
}

function imageConfigJson(c: OciContainerConfig | undefined) {
  const cfg = c ?? {};
  return {
    Hostname: cfg.Hostname ?? '',
    Domainname: '',
    User: cfg.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(cfg.ExposedPorts ? { ExposedPorts: cfg.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    ...(cfg.Healthcheck ? { Healthcheck: cfg.Healthcheck } : {}),
    ...(cfg.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: cfg.Image ?? '',
    Volumes: cfg.Volumes ?? null,
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: cfg.Labels ?? null,
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    ...(cfg.Shell ? { Shell: cfg.Shell } : {}),
  };
}

export function imageInspectJson(img: Image, options: { version: string; parent?: string; graphDriver?: Record<string, string> }) {
  const cfg = img.config;
  return {
    Id: img.id,
    RepoTags: img.repoTags.map(familiar),
    RepoDigests: img.repoDigests.map(familiar),
    Parent: options.parent ?? '',
    Comment: cfg.comment ?? '',
    Created: cfg.created ?? img.created,
    ...(versionLess(options.version, '1.45') ? { Container: cfg.container ?? '', ContainerConfig: imageConfigJson(cfg.container_config) } : {}),
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: imageConfigJson(cfg.config),
    Architecture: cfg.architecture,
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    Os: cfg.os,
    Size: img.size,
    ...(versionLess(options.version, '1.44') ? { VirtualSize: img.size } : {}),
    GraphDriver: { Data: options.graphDriver && Object.keys(options.graphDriver).length > 0 ? options.graphDriver : null, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: img.layers.map((l) => l.diffId) },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

export function historyJson(h: HistoryEntry) {
  return {
    Id: h.id,
    Created: seconds(h.created),
    CreatedBy: h.createdBy,
    Tags: h.tags.length === 0 ? null : h.tags.map(familiar),
    Size: h.size,
    Comment: h.comment,
  };
}

// The volume module's shapes: a named volume as the engine keeps it.

/** docker marks volumes it made for a container (image VOLUME, `-v /path`) with this label. */
export const anonymousLabel = 'com.docker.volume.anonymous';

export interface Volume {
  readonly name: string;
  readonly driver: 'local';
  /** `<dataRoot>/volumes/<name>/_data`. */
  readonly mountpoint: string;
  /** RFC 3339. */
  readonly createdAt: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Set when the volume was created without labels at all (dockerd reports `"Labels": null`, not `{}`). */
  readonly labelsUnset?: true;
  /** Driver options (`type`, `device`, `o`). */
  readonly options: Readonly<Record<string, string>>;
  readonly scope: 'local';
}

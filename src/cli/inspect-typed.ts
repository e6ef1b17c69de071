// cli: docker's inspect runs a --format template over its typed Go structs
// (types.ContainerJSON, types.ImageInspect) before the raw JSON map. There, a
// list field the daemon sent as null is a nil slice, which prints `[]` (but
// marshals as `null`), where the raw map's untyped nil prints `<nil>`. These
// are the list fields of those structs that a daemon may send as null.

/** A Go nil slice: an empty list to the template, `null` to the json function. */
export function nilSlice(): unknown[] {
  return Object.assign([], { toJSON: () => null });
}

/** container.Config's list fields (a container's Config, an image's Config and ContainerConfig). */
const configLists = ['Cmd', 'Entrypoint', 'Env', 'OnBuild', 'Shell'];

const containerLists: readonly (readonly string[])[] = [
  ['Args'], ['ExecIDs'], ['Mounts'],
  ...configLists.map((f) => ['Config', f]),
  ...['Binds', 'CapAdd', 'CapDrop', 'DeviceCgroupRules', 'DeviceRequests', 'Devices', 'Dns', 'DnsOptions', 'DnsSearch',
    'ExtraHosts', 'GroupAdd', 'Links', 'MaskedPaths', 'ReadonlyPaths', 'SecurityOpt', 'BlkioWeightDevice', 'BlkioDeviceReadBps',
    'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'Ulimits'].map((f) => ['HostConfig', f]),
];

const imageLists: readonly (readonly string[])[] = [
  ['RepoTags'], ['RepoDigests'], ['RootFS', 'Layers'],
  ...configLists.map((f) => ['Config', f]),
  ...configLists.map((f) => ['ContainerConfig', f]),
];

/** Replaces the null list fields of an inspected container or image by nil slices (in place; returns it). */
export function typedNils<T>(obj: T, kind: 'container' | 'image'): T {
  for (const path of kind === 'container' ? containerLists : imageLists) {
    let parent: unknown = obj;
    for (const key of path.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[key] : undefined;
    if (parent === null || typeof parent !== 'object') continue;
    const last = path[path.length - 1]!;
    const rec = parent as Record<string, unknown>;
    if (last in rec && rec[last] === null) rec[last] = nilSlice();
  }
  return obj;
}

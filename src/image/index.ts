// image: image records, layer unpack, import/load/save over the store.
export type * from './types.ts';
export { createImageStore, type LocalImageStore, type LocalImageStoreDeps, type LayerInUse, type GcResult } from './image-store.ts';
export { unpackLayer, cleanComponents, dirModeAtMkdir, unpackedOwner, type UnpackResult, type UnpackOptions } from './unpack-layer.ts';
export { TarReader, type TarEntry, type TarSink } from './tar-reader.ts';
export { stageLayer, type StagedLayer, type StagingPlaces } from './layer-staging.ts';
export { decompress, detectCompression, type Compression } from './decompress.ts';
export { parseImageConfig, goArch } from './image-config.ts';
export { mediaTypes } from './media-types.ts';
export { diffToLayer, opaqueDirs, runtimeMountPoints, type LayerDiffOptions, type LayerDiffResult } from './layer-diff.ts';

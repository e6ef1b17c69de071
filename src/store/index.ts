// store: content-addressed blobs, the metadata database and overlay snapshots.
export type * from './types.ts';
export { openBlobStore } from './blob-store.ts';
export { openMetadataStore, schemaVersion } from './metadata-store.ts';
export { openSnapshotter, treeSize } from './snapshotter.ts';

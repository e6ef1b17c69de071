// The store parts every room of the image store works over: blobs, the
// metadata database, the overlay snapshotter, the log and the temp directory.
import type { Logger } from '../lib/logger.ts';
import type { BlobStore, MetadataStore, Snapshotter } from '../store/index.ts';

export interface StoreParts {
  readonly blobs: BlobStore;
  readonly meta: MetadataStore;
  readonly snap: Snapshotter;
  readonly log: Logger;
  /** Spools of loads and saves; emptied at start-up. */
  readonly tmpDir: string;
}

// core: what a long image operation (pull, push, load) reports while it runs,
// as typed events. The engine and the image store emit them; each front door
// words them its own way (api/progress-json.ts: Docker's JSON messages).

/** A layer reached a step that has no byte counts. */
export type LayerStep =
  | 'pulling-fs-layer'
  | 'already-exists'
  | 'waiting'
  | 'verifying-checksum'
  | 'download-complete'
  | 'pull-complete'
  | 'preparing'
  | 'layer-already-exists'
  | 'pushed'
  | 'loading-layer'
  | 'loaded-layer';

/** A layer transfer that counts bytes. */
export type LayerTransfer = 'downloading' | 'pushing';

export type ProgressEvent =
  /** A pull resolved its manifest: `tag` is the tag or digest asked for, `repository` the path without the registry. */
  | { readonly kind: 'pull-start'; readonly tag: string; readonly repository: string }
  /** A push starts; `repository` is the full repository name (registry included where docker shows it). */
  | { readonly kind: 'push-start'; readonly repository: string }
  /** A layer (12-hex short id) reached a step. */
  | { readonly kind: 'layer'; readonly id: string; readonly step: LayerStep }
  /** A layer was mounted from another repository of the same registry instead of uploaded. */
  | { readonly kind: 'layer-mounted'; readonly id: string; readonly from: string }
  /** Bytes of a layer moved so far, of `total`. */
  | { readonly kind: 'layer-bytes'; readonly id: string; readonly transfer: LayerTransfer; readonly current: number; readonly total: number }
  /** The manifest digest of the image pulled. */
  | { readonly kind: 'digest'; readonly digest: string }
  /** The pull's outcome for the familiar `name`: already up to date or newly downloaded. */
  | { readonly kind: 'pull-done'; readonly name: string; readonly upToDate: boolean };

/** Where an operation sends its progress events. */
export type ProgressSink = (event: ProgressEvent) => void;

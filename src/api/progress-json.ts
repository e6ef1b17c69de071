// api: the engine's typed progress events worded as Docker's JSON messages
// (pull, push and load streams): `{"status":"Downloading","progressDetail":
// {"current":…,"total":…},"progress":"[==>   ] …","id":"…"}`.
import type { LayerStep, ProgressEvent } from '../core/progress.ts';
import { progressBar } from './progress-text.ts';

/** The fields of one progress message, before JsonStream orders them on the wire. */
export interface ProgressMessage {
  readonly id?: string;
  readonly status: string;
  readonly progress?: string;
  readonly current?: number;
  readonly total?: number;
}

const layerStatus: Readonly<Record<LayerStep, string>> = {
  'pulling-fs-layer': 'Pulling fs layer',
  'already-exists': 'Already exists',
  waiting: 'Waiting',
  'verifying-checksum': 'Verifying Checksum',
  'download-complete': 'Download complete',
  'pull-complete': 'Pull complete',
  preparing: 'Preparing',
  'layer-already-exists': 'Layer already exists',
  pushed: 'Pushed',
  'loading-layer': 'Loading layer',
  'loaded-layer': 'Loading layer',
};

/** Docker's wording of one event. */
export function progressMessage(e: ProgressEvent): ProgressMessage {
  switch (e.kind) {
    case 'pull-start':
      return { id: e.tag, status: `Pulling from ${e.repository}` };
    case 'push-start':
      return { status: `The push refers to repository [${e.repository}]` };
    case 'layer':
      // docker load's last line for a layer carries `progress: "Complete"` under the same status.
      return e.step === 'loaded-layer' ? { id: e.id, status: layerStatus[e.step], progress: 'Complete' } : { id: e.id, status: layerStatus[e.step] };
    case 'layer-mounted':
      return { id: e.id, status: `Mounted from ${e.from}` };
    case 'layer-bytes':
      return { id: e.id, status: e.transfer === 'downloading' ? 'Downloading' : 'Pushing', current: e.current, total: e.total, progress: progressBar(e.current, e.total) };
    case 'digest':
      return { status: `Digest: ${e.digest}` };
    case 'pull-done':
      return { status: e.upToDate ? `Status: Image is up to date for ${e.name}` : `Status: Downloaded newer image for ${e.name}` };
  }
}

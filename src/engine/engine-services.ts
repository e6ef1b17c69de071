// The engine as front doors see it: every service of the one service layer.
// Kept apart from ./types.ts so that the service files, which import the
// shared service interfaces, are not in a cycle with this aggregate.
import type { BuildService } from '../build/index.ts';
import type { FileService } from './container/files.ts';
import type { EventBus } from './events/events.ts';
import type { ExecService } from './exec/execs.ts';
import type { LogReopener } from './container/log-reopener.ts';
import type { PodNetworking } from '../network/index.ts';
import type { NetworkService } from './network/networks.ts';
import type { PruneService } from './system/prune.ts';
import type { StatsService } from './system/stats.ts';
import type { ContainerService, ImageService, RegistryService, SystemService, VolumeService } from './types.ts';

export interface Engine {
  readonly containers: ContainerService;
  readonly images: ImageService;
  readonly system: SystemService;
  readonly volumes: VolumeService;
  /** Optional so that engine fakes in tests need not implement it; daemon/compose-engine.ts always sets it. */
  readonly registry?: RegistryService;
  /** Optional for the same reason; daemon/compose-engine.ts always sets it. */
  readonly networks?: NetworkService;
  /** Dockerfile builds (`POST /build`); optional for engine fakes, daemon/compose-engine.ts always sets it. */
  readonly builds?: BuildService;
  /** Exec instances (`docker exec`); optional for engine fakes, daemon/compose-engine.ts always sets it. */
  readonly execs?: ExecService;
  /** cp (archive), export, diff, commit; optional for engine fakes, daemon/compose-engine.ts always sets it. */
  readonly files?: FileService;
  /** docker's events (`GET /events`); optional for engine fakes, daemon/compose-engine.ts always sets it. */
  readonly events?: EventBus;
  /** Container resource usage (`GET /containers/{id}/stats`); optional for engine fakes, daemon/compose-engine.ts always sets it. */
  readonly stats?: StatsService;
  /** `container prune`, `image prune`; optional for engine fakes, daemon/compose-engine.ts always sets it. */
  readonly prune?: PruneService;
  /** Pod network namespaces through the CNI conf dir (the CRI's sandboxes); set when berthd serves the CRI. */
  readonly podNetworks?: PodNetworking;
  /** Reopens a running container's log file (the CRI's ReopenContainerLog); daemon/compose-engine.ts always sets it. */
  readonly logFiles?: Pick<LogReopener, 'reopen'>;
  /** Stops watchers and closes the database; containers keep running. */
  close(): Promise<void>;
}

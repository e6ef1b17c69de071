// The SpecInput fields of a plain container: own network namespace, Docker's
// default capabilities, no resource limits, no extra mounts. Callers that build
// a SpecInput by hand (tests, fixtures) spread this and set what differs.
import type { SpecInput } from './types.ts';

export const plainSpecDefaults = {
  mounts: [],
  network: { mode: 'new' },
  privileged: false,
  capAdd: [],
  capDrop: [],
  noNewPrivileges: false,
  memory: 0,
  memoryReservation: 0,
  memorySwap: 0,
  nanoCpus: 0,
  cpuShares: 0,
  cpuQuota: 0,
  cpuPeriod: 0,
  cpusetCpus: '',
  pidsLimit: 0,
  oomKillDisable: false,
  ulimits: [],
  shmSize: 0,
  sysctls: {},
  tmpfs: {},
  devices: [],
  annotations: {},
} as const satisfies Partial<SpecInput>;

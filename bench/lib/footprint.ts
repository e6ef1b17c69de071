// What each engine keeps in memory, split the same way for all three:
//
//   daemon         berthd alone (a Node process; its helpers run only while
//                  they work); dockerd + the containerd it started; podman has
//                  no daemon (0).
//   per container  the process that stays beside each running container:
//                  conmon for berthd and for podman, containerd-shim-runc-v2
//                  for dockerd (one shim per container with docker 28).
//
// The container's own processes (sleep) are the same for every engine and
// are not counted. Per-container processes are found by name and by their
// command line naming the engine's private root, so no other engine's (or a
// system daemon's) processes are counted.
import { descendants, findProcs, processes, sumMem, type Mem } from './rss.ts';

export interface Footprint {
  daemon: Mem & { n: number; what: string };
  perContainer: Mem & { n: number; what: string };
}

export function berthFootprint(berthdPid: number, execRoot: string): Footprint {
  const all = processes();
  const daemon = sumMem([berthdPid]);
  return {
    daemon: { ...daemon, what: 'berthd' },
    perContainer: { ...sumMem(findProcs('conmon', execRoot, all)), what: 'conmon' },
  };
}

export function dockerFootprint(dockerdPid: number, dockerDir: string): Footprint {
  const all = processes();
  const containerd = descendants(dockerdPid, all).filter((pid) => all.find((p) => p.pid === pid)?.comm === 'containerd');
  return {
    daemon: { ...sumMem([dockerdPid, ...containerd]), what: 'dockerd + containerd' },
    // comm is truncated to 15 characters: "containerd-shim".
    perContainer: { ...sumMem(findProcs('containerd-shim', dockerDir, all)), what: 'containerd-shim-runc-v2' },
  };
}

export function podmanFootprint(podmanDir: string): Footprint {
  return {
    daemon: { rss: 0, pss: 0, n: 0, what: 'none (podman has no daemon)' },
    perContainer: { ...sumMem(findProcs('conmon', podmanDir)), what: 'conmon' },
  };
}

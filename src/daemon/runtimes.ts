// The OCI runtimes berthd drives: the default one (detected, or the
// configured name or path) and any other a container names (`runc`, `crun`,
// or daemon.json `runtimes`), each made on first use under its own state root
// so that runc and crun never share one.
import { join } from 'node:path';
import { invalidArgument, isInvalidArgument } from '../core/errors.ts';
import { runcAliases } from '../engine/index.ts';
import { createConmonRuntime, detectRuntime, type ContainerRuntime } from '../runtime/index.ts';

export interface Runtimes {
  /** The default runtime; its binary names what containers get unless they ask for another. */
  readonly runtime: ContainerRuntime;
  /** The runtime for a container's `runtime` name; InvalidArgument `unknown or invalid runtime name: x`. */
  readonly runtimeFor: (name: string) => Promise<ContainerRuntime>;
}

export async function openRuntimes(options: { execRoot: string; runtime?: string; runtimes?: Readonly<Record<string, { path: string }>> }): Promise<Runtimes> {
  const { execRoot } = options;
  const binary = await detectRuntime(options.runtime);
  const runtime = await createConmonRuntime({ binary, execRoot });
  const others = new Map<string, Promise<ContainerRuntime>>();
  const runtimeFor = (name: string): Promise<ContainerRuntime> => {
    if (name === binary.name) return Promise.resolve(runtime);
    let rt = others.get(name);
    if (!rt) {
      // dockerd 20.10's names for runc (shown in /info) run runc.
      const configured = options.runtimes?.[name]?.path ?? (runcAliases.includes(name) ? 'runc' : undefined);
      if (configured === undefined && name !== 'runc' && name !== 'crun') return Promise.reject(invalidArgument(`unknown or invalid runtime name: ${name}`));
      rt = detectRuntime(configured ?? name).then(
        (b) => createConmonRuntime({ binary: { name, path: b.path }, execRoot: join(execRoot, 'runtimes', name) }),
        (err: unknown) => {
          others.delete(name);
          throw isInvalidArgument(err) ? invalidArgument(`unknown or invalid runtime name: ${name}`, err) : err;
        },
      );
      others.set(name, rt);
    }
    return rt;
  };
  return { runtime, runtimeFor };
}

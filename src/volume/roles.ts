// volume/: the role the engine sees of the volume store (daemon/ hands it the
// local-driver implementation, LocalVolumeStore in local-volumes.ts).
import type { Volume } from './types.ts';

/** Named and anonymous volumes, and their mounts by container. */
export interface VolumeStore {
  list(): Volume[];
  /** NotFound `get <name>: no such volume`. */
  get(name: string): Volume;
  has(name: string): boolean;
  /** InvalidArgument for a bad name or driver option; AlreadyExists when the name is taken. */
  create(name: string, options?: { labels?: Readonly<Record<string, string>>; driverOptions?: Readonly<Record<string, string>> }): Promise<Volume>;
  /** Deletes the volume and its data; the caller checks that nobody uses it. */
  remove(name: string): Promise<void>;
  /** Mounts the volume for `user` (a container id) when its options ask for a mount; returns the host path to bind. */
  acquire(name: string, user: string): Promise<string>;
  /** The reverse of acquire; unmounts when the last user is gone. */
  release(name: string, user: string): Promise<void>;
  /** Unmounts volumes left mounted with no user (after a crash); returns their names. */
  unmountIdle(): Promise<string[]>;
}

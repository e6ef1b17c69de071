// An exec's environment before its own Env, as dockerd's ContainerExecCreate
// builds it when the exec is created (CreateDaemonEnvironment): PATH, HOSTNAME,
// TERM when the exec has a TTY, the environment of the container's links as
// they are now (a link removed with `rm --link` is gone; a linked container
// that is not running fails the exec), then the container's own Env.
import { internal, isNotFound } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';
import { linkEnv } from '../container/links.ts';
import { mergeEnv, processEnv } from '../container/config.ts';

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** dockerd's setupLinkedContainers: only a container on the default bridge gets its links' variables. */
export async function currentLinkEnv(c: Container, inspect: (idOrName: string) => Promise<Container>): Promise<string[]> {
  if (!c.network?.endpoints['bridge']) return [];
  const env: string[] = [];
  for (const l of c.spec.host.links ?? []) {
    const child = await inspect(l.name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!child || child.state.status !== 'running') throw internal(`Cannot link to a non running container: /${l.name} AS /${c.name}/${l.alias}`);
    const ip = child.network?.endpoints['bridge']?.ipAddress ?? '';
    env.push(...linkEnv({ alias: l.alias, parent: c.name, ip, exposedPorts: child.spec.exposedPorts, env: child.env }));
  }
  return env;
}

/** The environment an exec of `c` starts from (its own Env goes on top). */
export async function execBaseEnv(c: Container, tty: boolean, inspect: (idOrName: string) => Promise<Container>): Promise<string[]> {
  const daemon = [defaultPath, `HOSTNAME=${c.hostname}`, ...(tty ? ['TERM=xterm'] : [])];
  return processEnv(mergeEnv(daemon, await currentLinkEnv(c, inspect)), c.env);
}

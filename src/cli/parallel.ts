// docker's CLI acts on several containers at once for stop, kill, rm, pause
// and unpause (cli/command/container/utils.go parallelOperation: at most 50
// requests in flight), yet reports them in the order they were named. start
// and restart it does one after another, and so does berth.

/** docker's bound on requests in flight. */
const defaultParallel = 50;

/**
 * Starts `op` for every name, at most `limit` at a time, and returns one
 * promise per name, in the order given, each settled with that name's outcome.
 */
export function parallelOperation<T>(names: readonly string[], op: (name: string) => Promise<T>, limit = defaultParallel): Promise<PromiseSettledResult<T>>[] {
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    if (running < limit) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return names.map(async (name) => {
    await slot();
    try {
      return { status: 'fulfilled', value: await op(name) } as const;
    } catch (reason) {
      return { status: 'rejected', reason } as const;
    } finally {
      release();
    }
  });
}

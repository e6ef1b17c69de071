// For the image module's unit tests: environment switches (BERTH_GUNZIP,
// BERTH_HASH_THREAD, PATH) changed for one test and restored after it.

/** Runs `fn` with the environment variables changed as given (undefined removes one), then restores them. */
export async function withEnv(vars: Record<string, string | undefined>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (k: string, v: string | undefined) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
  for (const [k, v] of Object.entries(vars)) set(k, v);
  try {
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
}

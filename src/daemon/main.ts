// berthd: the composition root. Reads flags and daemon.json, takes the pid
// file, opens the engine (which restores running containers), serves the
// Engine API on unix sockets, and on SIGTERM/SIGINT closes the server and the
// database while leaving containers running under their conmon.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errorMessage } from '../core/errors.ts';
import { log, setLogLevel } from '../lib/logger.ts';
import { fullGc, idleTrim } from '../lib/memory-trim.ts';
import { loadNative } from '../lib/native.ts';
import { holdOptimizer } from '../lib/startup-jit.ts';
import { loadConfig, usage } from './config.ts';
import { acquirePidFile } from './pid-file.ts';

/**
 * The memory trim runs once no request has begun or ended for 2 s: long enough that the requests of
 * one CLI command (create, attach, start, wait, delete) fall in one burst, short enough that an idle
 * berthd is back to its size within seconds. A daemon polled more often than that trims every 30 s.
 * A trim costs V8's memory-reducing collection of a heap of ~10-20 MB and a malloc_trim: 20-80 ms.
 */
const trimQuietMs = 2000;
const trimMaxDelayMs = 30_000;
/**
 * A burst that is never quiet for 2 s (50 `run -d` back to back: 8-20 s) piled up its garbage until it
 * was over: berthd stood 8-11 MB above its trimmed size at the end of one (V8's old space +3.3 MB, its
 * young generation +1.8, malloc's free lists +2.4). The trim also runs once berthd has grown 6 MB past
 * its size after the last one: measured with 50 starts, 64.7-65.2 MiB at their end against 67.7-68.6,
 * for one or two more trims of 25-80 ms in the burst.
 */
const trimGrowthBytes = 6 * 1024 * 1024;

async function main(): Promise<number> {
  // No optimized code for the start-up path, which runs once (startup-jit.ts); back on once berthd serves.
  const releaseOptimizer = holdOptimizer();
  const parsed = await loadConfig(process.argv.slice(2));
  if ('help' in parsed) {
    process.stdout.write(usage);
    return 0;
  }
  const { serverVersion } = await import('../engine/index.ts');
  if ('version' in parsed) {
    process.stdout.write(`berthd version ${serverVersion}\n`);
    return 0;
  }
  const config = parsed.config;
  setLogLevel(config.logLevel);
  if (process.getuid?.() !== 0) log.warn('berthd is not running as root; containers will fail to start');
  const { defaultSeccompProfilePath, dockerSeccompProfilePath } = await import('../runtime/index.ts');
  if (defaultSeccompProfilePath !== dockerSeccompProfilePath) {
    log.warn(`Docker's default seccomp profile (${dockerSeccompProfilePath}) is not installed (scripts/setup-seccomp installs it): containers get ${defaultSeccompProfilePath}, which lets them call unshare, setns and mount without CAP_SYS_ADMIN`);
  }
  // The embedded DNS and conmon's attach socket need berth's addon: refuse to start without it, not fail a later request.
  const native = loadNative();

  const releasePid = await acquirePidFile(join(config.execRoot, 'berthd.pid'));
  const started = Date.now();
  // Loaded after the pid check so that `--help` and a refused second start stay fast.
  const [{ composeEngine }, { createApiServer, socketGid }, { CniNetworkManager, CniPodNetworks }, { LocalVolumeStore }] = await Promise.all([
    import('./compose-engine.ts'),
    import('../api/index.ts'),
    import('../network/index.ts'),
    import('../volume/index.ts'),
  ]);
  const runtime = config.defaultRuntime !== undefined ? (config.runtimes[config.defaultRuntime]?.path ?? config.defaultRuntime) : undefined;
  let engine;
  let network;
  try {
    // The composition root: the concrete volume store and network manager, handed to the engine by their roles.
    // The data root is made first with the engine's mode (0710), as when the engine made it itself.
    await mkdir(config.dataRoot, { recursive: true, mode: 0o710 });
    const volumeStore = await LocalVolumeStore.open(config.dataRoot);
    network = await CniNetworkManager.open({
      dataRoot: config.dataRoot,
      execRoot: config.execRoot,
      log: log.with({ module: 'network' }),
      ...(config.bridge !== undefined ? { bridgeName: config.bridge } : {}),
      ...(config.bip !== undefined ? { bridgeCidr: config.bip } : {}),
    });
    const podNetworks = config.cri
      ? new CniPodNetworks({ stateDir: join(config.execRoot, 'cri'), confDir: config.cri.cniConfDir, binDir: config.cri.cniBinDir, log: log.with({ module: 'cri-network' }) })
      : undefined;
    engine = await composeEngine({
      dataRoot: config.dataRoot,
      execRoot: config.execRoot,
      log,
      runtimes: config.runtimes,
      volumeStore,
      network,
      ...(runtime !== undefined ? { runtime } : {}),
      ...(config.registry !== undefined ? { registry: config.registry } : {}),
      ...(podNetworks !== undefined ? { podNetworks } : {}),
    });
  } catch (err) {
    await network?.close().catch((e: unknown) => log.warn('closing the network manager failed', { err: e }));
    await releasePid();
    throw err;
  }
  // What a burst of work left behind (V8's grown heap, glibc's free arenas) goes back once the API is quiet.
  const trim = () => {
    const t0 = performance.now();
    const before = process.memoryUsage.rss();
    // V8's own memory-reducing collection where the addon reaches it (memory-trim.ts says why); a compacting gc() otherwise.
    if (!native.lowMemoryNotification()) fullGc();
    native.mallocTrim();
    log.debug('memory trimmed', { rssBefore: before, rssAfter: process.memoryUsage.rss(), ms: Math.round(performance.now() - t0) });
  };
  const trimmer = idleTrim({
    quietMs: trimQuietMs,
    maxDelayMs: trimMaxDelayMs,
    growthBytes: trimGrowthBytes,
    rss: () => process.memoryUsage.rss(),
    trim,
  });
  // Start-up's own garbage (modules loaded, the store opened, containers restored) goes before the API
  // opens (20-30 ms), so that a fresh berthd is at its size when it first answers, not 2 s into serving.
  trimmer.trimNow();
  const servers: { close(): Promise<void> }[] = [];
  try {
    const gid = await socketGid(config.group);
    for (const host of config.hosts) {
      const server = createApiServer({ engine, log: log.with({ module: 'api' }), onActivity: trimmer.touch });
      servers.push(server);
      await mkdir(dirname(host), { recursive: true, mode: 0o755 });
      await server.listenUnix(host, { gid });
      log.info('API listening', { socket: host });
    }
    if (config.cri) {
      // The CRI's gRPC stack loads only when asked for.
      const { createCriServer } = await import('../cri/index.ts');
      const cri = createCriServer({ engine, log: log.with({ module: 'cri' }) });
      servers.push(cri);
      await cri.listenUnix(config.cri.socket);
      log.info('CRI listening', { socket: config.cri.socket, cniConfDir: config.cri.cniConfDir });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    await engine.close();
    await releasePid();
    throw err;
  }
  log.info('berthd started', { version: serverVersion, dataRoot: config.dataRoot, execRoot: config.execRoot, ms: Date.now() - started });
  releaseOptimizer();
  // What came after that trim (the CRI's stack when asked for) is work too.
  trimmer.touch();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down; containers keep running', { signal });
      trimmer.close();
      void (async () => {
        await Promise.all(servers.map((s) => s.close())).catch((err: unknown) => log.warn('closing the API failed', { err }));
        await engine.close().catch((err: unknown) => log.warn('closing the engine failed', { err }));
        await releasePid();
        resolve(0);
      })();
    };
    // One request's stray promise (a client hanging up mid-stream) must not take
    // every other client down with it: log it and keep serving. Containers are
    // safe either way (they live under conmon), but the API would not be.
    process.on('unhandledRejection', (reason) => {
      log.error('unhandled rejection (a bug: please report it)', { err: errorMessage(reason) });
    });
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.error('berthd failed', { err: errorMessage(err) });
    process.stderr.write(`berthd: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);

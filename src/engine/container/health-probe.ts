// The health checker's probe runner: a health probe is an exec in the
// container (as dockerd runs it) whose stdout and stderr are collected and whose
// exit code is the verdict. Aborting the probe (timeout, container stopping)
// kills the exec's process. The probe's exec record is dropped once done.
import type { ExecService } from '../exec/execs.ts';
import type { ProbeResult } from './health.ts';

export function execProbeRunner(service: ExecService): (containerId: string, cmd: readonly string[], signal: AbortSignal) => Promise<ProbeResult> {
  return async (containerId, cmd, signal) => {
    const execId = await service.create(containerId, {
      cmd,
      env: [],
      user: '',
      workingDir: '',
      tty: false,
      attachStdin: false,
      attachStdout: true,
      attachStderr: true,
      privileged: false,
      detachKeys: '',
    });
    try {
      const attachment = await service.start(execId, { detach: false });
      const onAbort = () => {
        const pid = service.inspect(execId).pid;
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        attachment?.close();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const chunks: Buffer[] = [];
        if (attachment) for await (const chunk of attachment.output) chunks.push(chunk.data);
        const exitCode = service.inspect(execId).exitCode ?? -1;
        return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } finally {
      // A probe's record is of no use once its verdict is in: they would pile up.
      service.discard(execId);
    }
  };
}

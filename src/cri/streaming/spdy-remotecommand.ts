// Kubernetes' remote command protocol over SPDY (kubelet's
// cri/streaming/remotecommand/httpstream.go): the client opens one stream per
// part, named by its `streamType` header — error, stdin, stdout, stderr, and
// resize with a TTY from v3 on. Once every stream the request asked for is
// there (within 30 s, kubelet's stream creation timeout), the command runs;
// at the end stdout and stderr get FIN, the error stream gets the status
// (v4: a metav1.Status JSON; v1-v3: an error text, nothing on success), and
// the connection goes away once the client has closed it.
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { statusJson, statusText, type CommandChannels, type CommandOutcome, type TerminalSize } from './remotecommand.ts';
import type { SpdySession, SpdyStream } from './spdy-session.ts';

/** Newest first: the server picks the first of the client's list it knows. */
export const remoteCommandSpdyProtocols = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
const streamCreationTimeoutMs = 30_000;

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/** Reads Go json.Encoder's newline-separated TerminalSize objects. */
function readResizes(stream: SpdyStream, fn: (size: TerminalSize) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (s: string) => {
    buf += s;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const size = JSON.parse(line) as { Width?: unknown; Height?: unknown };
        if (typeof size.Width === 'number' && typeof size.Height === 'number' && size.Width > 0 && size.Height > 0) fn({ width: size.Width, height: size.Height });
      } catch {
        // A malformed resize changes nothing.
      }
    }
    if (buf.length > 4096) buf = '';
  });
}

/**
 * Waits for the streams of a remote command on an upgraded connection and
 * makes them its channels; rejects (and closes the connection) when the client
 * does not open them in time.
 */
export async function spdyCommandChannels(
  session: SpdySession,
  protocol: string,
  want: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  log: Logger,
): Promise<CommandChannels> {
  const resizing = want.tty && protocol !== 'v2.channel.k8s.io' && protocol !== 'channel.k8s.io' && protocol !== '';
  const expected = new Set<StreamType>(['error']);
  if (want.stdin) expected.add('stdin');
  if (want.stdout) expected.add('stdout');
  if (want.stderr && !want.tty) expected.add('stderr');
  if (resizing) expected.add('resize');
  const got = new Map<StreamType, SpdyStream>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('timed out waiting for client to create streams')), streamCreationTimeoutMs);
    const onStream = (stream: SpdyStream) => {
      const type = stream.header('streamType') as StreamType;
      void session.reply(stream).catch(() => undefined);
      if (!expected.has(type) || got.has(type)) {
        log.debug('CRI stream: unexpected SPDY stream', { streamType: type });
        stream.destroy();
        return;
      }
      got.set(type, stream);
      if (got.size === expected.size) done();
    };
    const onClose = () => fail(new Error('the client closed the connection before opening its streams'));
    const done = () => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      resolve();
    };
    const fail = (err: Error) => {
      done();
      void session.close();
      reject(err);
    };
    session.on('stream', onStream);
    session.on('close', onClose);
  });
  let onGone: (() => void) | undefined;
  let finished = false;
  session.once('close', () => {
    if (!finished) onGone?.();
  });
  // Nothing is ever read from the output streams: whatever the client sends there is dropped.
  for (const t of ['stdout', 'stderr', 'error'] as const) got.get(t)?.resume();
  const errorStream = got.get('error')!;
  const stdin = got.get('stdin');
  const stdout = got.get('stdout');
  const stderr = got.get('stderr');
  return {
    ...(stdin ? { stdin } : {}),
    ...(stdout ? { stdout } : {}),
    ...(stderr ? { stderr } : {}),
    onResize: (fn) => {
      const r = got.get('resize');
      if (r) readResizes(r, fn);
    },
    onGone: (fn) => (onGone = fn),
    async finish(outcome: CommandOutcome) {
      finished = true;
      const text = protocol === 'v4.channel.k8s.io' ? statusJson(outcome) : statusText(outcome);
      try {
        await new Promise<void>((resolve, reject) => errorStream.end(text, (err?: Error | null) => (err ? reject(err) : resolve())));
      } catch (err) {
        log.debug('CRI stream: the status did not go out', { err: errorMessage(err) });
      }
      await session.close();
    },
  };
}

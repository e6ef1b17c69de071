// Back-pressure for a writable that may be destroyed while we wait: resolves
// on 'drain' or on 'close', whichever comes first, so a writer loop never hangs
// on a stream that will never drain again.
/** The narrowest view of a stream that drained() needs (node and streamx streams both fit). */
export interface DrainEvents {
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

export function drained(stream: DrainEvents): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

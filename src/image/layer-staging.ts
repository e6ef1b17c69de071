// Pulled layers, staged: a layer's compressed bytes are written to a temp blob
// file (by libuv's pool), hashed (src/lib/sha256-worker.ts: here, or on a
// worker thread with BERTH_HASH_THREAD=1), decompressed (igzip or unpigz in a
// process of their own, zlib where neither is installed: decompress.ts) and unpacked into a staging snapshot
// directory, all while they download. Nothing is visible until the whole blob
// matched its digest and size and the tar its diff id; a mismatch removes the
// staging. The image store then makes all staged layers of an image durable
// with one sync, renames them into place and writes the records last
// (installStaged in image-layers.ts), so a crash at any point leaves either
// nothing or complete, durable layers.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Digest } from '../core/digest.ts';
import { digestHex } from '../core/digest.ts';
import { errorMessage, invalidArgument } from '../core/errors.ts';
import { BackgroundWrites } from '../lib/background-writes.ts';
import type { Logger } from '../lib/logger.ts';
import { sha256Stream } from '../lib/sha256-worker.ts';
import { span, spanStart } from '../lib/trace.ts';
import { decompressLayer } from './decompress.ts';
import { unpackLayer } from './unpack-layer.ts';

/** Blob bytes handed to the pool's writes and not yet written, at most (then the download waits). */
const maxPendingBlobBytes = 16 << 20;

export interface StageLayerInput {
  /** The compressed (or plain) layer blob as the registry sends it. */
  readonly data: AsyncIterable<Uint8Array>;
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
  /** What the uncompressed tar must hash to (the config's diff id). */
  readonly diffId: Digest;
  readonly chainId: Digest;
  readonly signal?: AbortSignal;
}

/** A verified layer, not yet visible: a temp blob file and a staging snapshot directory. */
export interface StagedLayer {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly diffId: Digest;
  readonly chainId: Digest;
  /** Content size as docker counts it. */
  readonly size: number;
  readonly blobFile: string;
  /** The staging snapshot root (`<snapshots>/.tmp-pull-…`), holding `fs/`. */
  readonly snapshotDir: string;
  /** Removes the temp files (after a failed pull, or once committed nothing is left to remove). */
  discard(): Promise<void>;
}

export interface StagingPlaces {
  /** Where temp blob files go (same file system as the blob store; wiped at start-up). */
  readonly tmpDir: string;
  /** The snapshotter's root of layer directories; staging dirs named `.tmp-…` there are wiped at start-up. */
  readonly snapshotsDir: string;
  readonly log: Logger;
}

/** The snapshots root, from the snapshotter's layout `<snapshots>/<hex>/fs`. */
export function snapshotsDirOf(layerDir: (chainId: Digest) => string): string {
  return dirname(dirname(layerDir(`sha256:${'0'.repeat(64)}`)));
}

/**
 * Downloads, verifies and unpacks one layer into staging. Throws
 * InvalidArgument naming the digest when the blob does not match (checked on
 * the whole blob even when decompressing failed half-way, so that a corrupted
 * download is reported as one), or the tar's diff id is wrong.
 */
export async function stageLayer(places: StagingPlaces, input: StageLayerInput): Promise<StagedLayer> {
  const tag = `${digestHex(input.digest).slice(0, 12)}-${randomBytes(4).toString('hex')}`;
  const blobFile = join(places.tmpDir, `pull-${tag}.blob`);
  const snapshotDir = join(places.snapshotsDir, `.tmp-pull-${tag}`);
  const discard = async () => {
    await rm(blobFile, { force: true });
    await rm(snapshotDir, { recursive: true, force: true });
  };
  await mkdir(join(snapshotDir, 'fs'), { recursive: true });
  const fd = openSync(blobFile, 'wx', 0o644);
  let fdOpen = true;
  // Written by libuv's pool (the event loop only hands the bytes on), hashed per sha256Stream().
  const hash = sha256Stream();
  const blobWrites = new BackgroundWrites(fd);
  let received = 0;
  const it = input.data[Symbol.asyncIterator]();
  let sourceDone = false;
  const take = (chunk: Uint8Array) => {
    hash.update(chunk);
    received += chunk.byteLength;
    if (received > input.size) throw invalidArgument(`failed to verify blob ${input.digest}: size mismatch: expected ${input.size} bytes, got more`);
    blobWrites.write(chunk);
  };
  // The blob as it arrives, saved and hashed on the way to the decompressor. Not a for-of: when
  // unpacking fails half-way the rest must still be read (below) to tell a corrupted download.
  const downloadSpan = spanStart('pull: layer download (first to last byte)', { layer: tag });
  async function* tee(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const r = await it.next();
      if (r.done) {
        sourceDone = true;
        downloadSpan();
        return;
      }
      take(r.value);
      if (blobWrites.pendingBytes > maxPendingBlobBytes) await blobWrites.below(maxPendingBlobBytes >> 2);
      yield r.value;
    }
  }
  try {
    let unpacked: Awaited<ReturnType<typeof unpackLayer>> | undefined;
    let unpackError: unknown;
    try {
      unpacked = await span('pull: layer download + unpack', { layer: tag, bytes: input.size }, () => unpackLayer(decompressLayer(tee()), join(snapshotDir, 'fs'), { log: places.log, ...(input.signal ? { signal: input.signal } : {}) }));
    } catch (err) {
      unpackError = err;
    }
    // Whatever the tar left unread (padding after its end, or all of it after a failure) still counts for the digest.
    if (!sourceDone) {
      try {
        for (let r = await it.next(); !r.done; r = await it.next()) {
          take(r.value);
          if (blobWrites.pendingBytes > maxPendingBlobBytes) await blobWrites.below(maxPendingBlobBytes >> 2);
        }
      } catch (err) {
        throw unpackError ?? err;
      }
    }
    await blobWrites.settle();
    closeSync(fd);
    fdOpen = false;
    const digest: Digest = `sha256:${await hash.digest()}`;
    if (digest !== input.digest) throw invalidArgument(`failed to verify blob: digest mismatch: expected ${input.digest}, got ${digest}`);
    if (received !== input.size) throw invalidArgument(`failed to verify blob ${input.digest}: size mismatch: expected ${input.size} bytes, got ${received}`);
    if (unpackError !== undefined || unpacked === undefined) throw invalidArgument(`failed to extract layer ${input.digest}: ${errorMessage(unpackError)}`, unpackError);
    if (unpacked.diffId !== input.diffId) throw invalidArgument(`invalid diffID for layer ${input.digest}: expected "${input.diffId}", got "${unpacked.diffId}"`);
    return { digest: input.digest, mediaType: input.mediaType, diffId: input.diffId, chainId: input.chainId, size: unpacked.size, blobFile, snapshotDir, discard };
  } catch (err) {
    hash.abandon();
    if (fdOpen) {
      // No write may still be running on the descriptor when it closes.
      await blobWrites.settle().catch(() => undefined);
      closeSync(fd);
    }
    await it.return?.().catch(() => undefined);
    await discard();
    throw err;
  }
}

// SpdySession against a client that behaves like spdystream (no flow
// control, no WINDOW_UPDATE): streams are answered with SYN_REPLY before any
// data, data flows both ways with FIN as end, PINGs are echoed, and megabytes
// go out without the client granting any window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { FrameReader, HeaderCompression, controlFrame, controlType, dataFrame, flagFin, pingFrame, type RawFrame } from './spdy-frames.ts';
import { SpdySession, type SpdyStream } from './spdy-session.ts';

async function synStream(z: HeaderCompression, id: number, headers: Record<string, string>, fin = false): Promise<Buffer> {
  const head = Buffer.alloc(10);
  head.writeUInt32BE(id, 0);
  return controlFrame(controlType.synStream, fin ? flagFin : 0, Buffer.concat([head, await z.compress(headers)]));
}

/** Collects the frames a socket receives. */
function frames(sock: Socket): { all: RawFrame[]; until(pred: (all: RawFrame[]) => boolean, ms?: number): Promise<void> } {
  const reader = new FrameReader();
  const all: RawFrame[] = [];
  sock.on('data', (b: Buffer) => {
    reader.push(b);
    for (let f = reader.next(); f; f = reader.next()) all.push(f);
  });
  return {
    all,
    async until(pred, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!pred(all)) {
        if (Date.now() > deadline) throw new Error(`timed out; frames: ${all.map((f) => (f.control ? `ctl${f.type}` : `data${f.streamId}:${f.payload.length}`)).join(' ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

async function withSession(onStream: (s: SpdyStream, session: SpdySession) => void, body: (client: Socket) => Promise<void>): Promise<void> {
  const server = createServer((sock) => {
    const session = new SpdySession(sock);
    session.on('stream', (s) => {
      void session.reply(s);
      onStream(s, session);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  const client = connect({ port: typeof addr === 'object' && addr ? addr.port : 0, host: '127.0.0.1' });
  await once(client, 'connect');
  try {
    await body(client);
  } finally {
    client.destroy();
    server.close();
  }
}

test('a stream is answered, echoes data, and ends with FIN; pings come back', async () => {
  const z = new HeaderCompression();
  let headerSeen = '';
  await withSession(
    (s) => {
      headerSeen = s.header('streamType');
      s.pipe(s);
    },
    async (client) => {
      const f = frames(client);
      client.write(await synStream(z, 1, { streamtype: 'data', port: '80' }));
      client.write(dataFrame(1, Buffer.from('ping'), true));
      client.write(pingFrame(7));
      await f.until((all) => all.some((x) => !x.control && (x.flags & flagFin) !== 0) && all.some((x) => x.control && x.type === controlType.ping));
      const kinds = f.all.filter((x) => x.control ? x.type !== controlType.ping : true);
      assert.equal(kinds[0]?.control && kinds[0].type, controlType.synReply, 'the reply comes before any data');
      const data = Buffer.concat(f.all.filter((x) => !x.control).map((x) => x.payload)).toString();
      assert.equal(data, 'ping');
      const ping = f.all.find((x) => x.control && x.type === controlType.ping)!;
      assert.equal(ping.payload.readUInt32BE(0), 7);
    },
  );
  z.close();
  assert.equal(headerSeen, 'data');
});

test('megabytes go out to a client that never grants a window (spdystream has no flow control)', async () => {
  const z = new HeaderCompression();
  const size = 3 * 1024 * 1024;
  await withSession(
    (s) => {
      s.end(Buffer.alloc(size, 7));
    },
    async (client) => {
      const f = frames(client);
      client.write(await synStream(z, 1, { streamtype: 'stdout' }, true));
      await f.until((all) => all.some((x) => !x.control && (x.flags & flagFin) !== 0), 20_000);
      const got = f.all.filter((x) => !x.control).reduce((n, x) => n + x.payload.length, 0);
      assert.equal(got, size);
    },
  );
  z.close();
});

test('a client stream id that does not increase is refused with RST_STREAM', async () => {
  const z = new HeaderCompression();
  const seen: number[] = [];
  await withSession(
    (s) => seen.push(s.id),
    async (client) => {
      const f = frames(client);
      client.write(await synStream(z, 3, { streamtype: 'a' }));
      client.write(await synStream(z, 1, { streamtype: 'b' }));
      await f.until((all) => all.some((x) => x.control && x.type === controlType.rstStream));
      const rst = f.all.find((x) => x.control && x.type === controlType.rstStream)!;
      assert.equal(rst.payload.readUInt32BE(0), 1);
    },
  );
  z.close();
  assert.deepEqual(seen, [3]);
});

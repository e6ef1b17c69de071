import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenUnixSocket, socketGid } from './unix-listen.ts';

test('socketGid() finds a group by name or number, falls back from a missing docker group, refuses another', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-gid-'));
  try {
    const file = join(dir, 'group');
    await writeFile(file, 'root:x:0:\nstaff:x:50:a,b\n');
    assert.equal(await socketGid('staff', file), 50);
    assert.equal(await socketGid('1234', file), 1234);
    assert.equal(await socketGid(undefined, file), process.getgid?.());
    await assert.rejects(socketGid('nosuch', file), { message: 'group nosuch not found' });
    await writeFile(file, 'docker:x:106:\n');
    assert.equal(await socketGid(undefined, file), 106);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('listenUnixSocket() puts the socket in place already 0660 with the group, and leaves no temp dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sock-'));
  const server = createServer();
  try {
    const path = join(dir, 'api.sock');
    await writeFile(path, 'stale');
    await listenUnixSocket(server, path, 50);
    const st = await stat(path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, process.getuid?.() === 0 ? 50 : st.gid);
    assert.deepEqual(await readdir(dir), ['api.sock']);
  } finally {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true });
  }
});

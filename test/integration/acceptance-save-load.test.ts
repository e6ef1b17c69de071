// Acceptance of issue 2: `berth save busybox | docker load` into a private
// dockerd, and `docker save` back into berth, round-trip the image with the same
// image id. Docker (20.10, the Debian docker.io) is the oracle for the archive
// format. Without dockerd the tests fail, saying why: they are never skipped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { berthBin, busyboxTar, q, sh, startPrivateDockerd, type PrivateDockerd, show } from './acceptance-support.ts';

describe('images round-trip between berth and docker', { timeout: 300_000 }, () => {
  let berthd: Daemon | undefined;
  let dockerd: PrivateDockerd | undefined;

  before(async () => {
    berthd = await startDaemon();
    await ensureBusybox(berthd);
    dockerd = await startPrivateDockerd();
  });

  after(async () => {
    await dockerd?.stop();
    await berthd?.stop();
  });

  const b = () => { assert.ok(berthd, 'berthd did not start'); return berthd; };
  const k = () => { assert.ok(dockerd, 'the private dockerd did not start'); return dockerd; };
  /** `berth …` against our berthd, as a shell word list for pipelines. */
  const berthCmd = () => `DOCKER_HOST=${q(`unix://${b().socket}`)} ${q(berthBin)}`;

  async function berthId(ref: string): Promise<string> {
    const r = await b().berth(['inspect', '--type', 'image', '-f', '{{.Id}}', ref]);
    assert.equal(r.code, 0, `berth inspect ${ref}: ${show(r)}`);
    return r.stdout.trim();
  }
  async function dockerId(ref: string): Promise<string> {
    const r = await k().docker(['image', 'inspect', '-f', '{{.Id}}', ref]);
    assert.equal(r.code, 0, `docker image inspect ${ref}: ${show(r)}`);
    return r.stdout.trim();
  }

  test('berth save busybox | docker load keeps the image id', async () => {
    const id = await berthId('busybox');
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const load = await sh(`${berthCmd()} save busybox | docker load`, { env: k().env, timeoutMs: 120_000 });
    assert.equal(load.code, 0, show(load));
    assert.match(load.stdout, /Loaded image: busybox:latest/, show(load));
    assert.equal(await dockerId('busybox:latest'), id);

    const r = await k().docker(['run', '--rm', 'busybox', 'echo', 'loaded in docker']);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'loaded in docker\n');
  });

  test('docker save | berth load brings the image back with the same id', async () => {
    const id = await dockerId('busybox:latest');
    const rmi = await b().berth(['rmi', 'busybox']);
    assert.equal(rmi.code, 0, `berth rmi busybox: ${show(rmi)}`);
    const gone = await b().berth(['inspect', '--type', 'image', 'busybox']);
    assert.notEqual(gone.code, 0, 'busybox is gone from berth before the load');

    const load = await sh(`docker save busybox:latest | ${berthCmd()} load`, { env: k().env, timeoutMs: 120_000 });
    assert.equal(load.code, 0, show(load));
    assert.match(load.stdout, /Loaded image: busybox:latest/, show(load));
    assert.equal(await berthId('busybox:latest'), id);

    const r = await b().berth(['run', '--rm', 'busybox', 'echo', 'back in berth']);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'back in berth\n');
  });

  test('berth load reads a piped archive to its end every time (60 loads in a row)', async () => {
    // The compiled CLI's stdin (Bun's) once stalled now and then after a resume(), leaving
    // `berth load` waiting for ever, 2-4 loads in a hundred (client/unix-http.ts).
    const dir = mkdtempSync(join(tmpdir(), 'berth-load-'));
    try {
      const file = join(dir, 'busybox.tar');
      const save = await b().berth(['save', '-o', file, 'busybox']);
      assert.equal(save.code, 0, show(save));
      const archive = readFileSync(file);
      for (let i = 0; i < 60; i++) {
        const load = await b().berth(['load'], { input: archive, timeoutMs: 15_000 });
        assert.equal(load.code, 0, `load ${i + 1}: ${show(load)}`);
        assert.match(load.stdout, /Loaded image: busybox:latest/, `load ${i + 1}: ${show(load)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an image docker made itself loads into berth with docker\'s id', async () => {
    const imp = await k().docker(['import', '-c', 'CMD ["sh"]', '-', 'madebydocker:1'], { input: busyboxTar() });
    assert.equal(imp.code, 0, show(imp));
    const id = await dockerId('madebydocker:1');

    const load = await sh(`docker save madebydocker:1 | ${berthCmd()} load`, { env: k().env, timeoutMs: 120_000 });
    assert.equal(load.code, 0, show(load));
    assert.match(load.stdout, /Loaded image: madebydocker:1/, show(load));
    assert.equal(await berthId('madebydocker:1'), id);

    const r = await b().berth(['run', '--rm', 'madebydocker:1', 'echo', 'made by docker']);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'made by docker\n');
    const rmi = await b().berth(['rmi', 'madebydocker:1']);
    assert.equal(rmi.code, 0, show(rmi));
  });
});


// POST /build through dockerode (newest from npm): buildImage with a tar
// stream and with {context, src}, t/dockerfile/buildargs/labels, followProgress
// over the stream, a failing RUN, and a refused option — compared with
// dockerd 20.10's classic builder. The stream is compared as a transcript (see
// build-docker-py.test.ts): stream texts joined, aux and errors in place, the
// metadata steps' container lines left out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type Dockerode from 'dockerode';
import { clientTargets, dockerode, sameOnBoth, scratchDir } from './harness.ts';

clientTargets();

function tarOf(files: Record<string, string>): Readable {
  const p = pack();
  for (const [name, data] of Object.entries(files)) p.entry({ name, mode: 0o644 }, data);
  p.finalize();
  return p as unknown as Readable;
}

type Message = Record<string, unknown>;

function transcript(messages: readonly Message[]): unknown[] {
  const out: unknown[] = [];
  let text = '';
  for (const m of messages) {
    if (Object.keys(m).length === 1 && typeof m['stream'] === 'string') {
      text += m['stream'];
      continue;
    }
    if (text !== '') out.push(text);
    text = '';
    out.push(m);
  }
  if (text !== '') out.push(text);
  const keep = (l: string) => !/^ ---> Running in [0-9a-f]{12}$|^Removing intermediate container [0-9a-f]{12}$/.test(l);
  return out.map((x) => (typeof x === 'string' ? x.split('\n').filter(keep).join('\n') : x));
}

/** Runs buildImage and followProgress to the end: the HTTP error, or the messages and followProgress's own error. */
async function build(d: Dockerode, context: Parameters<Dockerode['buildImage']>[0], options: Dockerode.ImageBuildOptions): Promise<unknown> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await d.buildImage(context, options);
  } catch (err) {
    const e = err as { statusCode?: number; json?: { message?: string } };
    return { status: e.statusCode, message: e.json?.message };
  }
  const seen: Message[] = [];
  const result = await new Promise<{ err: string | null; count: number }>((resolve) => {
    d.modem.followProgress(stream, (err: Error | null, output: Message[]) => resolve({ err: err ? err.message : null, count: output.length }), (m: Message) => seen.push(m));
  });
  return { transcript: transcript(seen), followProgressError: result.err };
}

async function inspect(d: Dockerode, name: string): Promise<unknown> {
  const i = await d.getImage(name).inspect();
  return { RepoTags: i.RepoTags, Labels: i.Config.Labels, Env: i.Config.Env, Cmd: i.Config.Cmd };
}

sameOnBoth('dockerode: buildImage from a tar stream with t, dockerfile, buildargs and labels, followed to the end', async (t) => {
  const d = dockerode(t);
  const files = { 'docker/app.Dockerfile': 'FROM busybox\nARG WHO\nENV WHO=$WHO\nCOPY a.txt /a.txt\nRUN cat /a.txt && echo "hi $WHO"\nCMD ["cat", "/a.txt"]\n', 'a.txt': 'from the tar\n' };
  return {
    'build': await build(d, tarOf(files), { t: 'node-built:v1', dockerfile: 'docker/app.Dockerfile', buildargs: { WHO: 'node' }, labels: { via: 'dockerode' }, rm: true }),
    'image': await inspect(d, 'node-built:v1'),
  };
});

sameOnBoth('dockerode: buildImage from {context, src} and a failing RUN', async (t) => {
  const d = dockerode(t);
  const dir = scratchDir('berth-clients-build-');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY sub/b.txt /b.txt\nRUN cat /b.txt; sleep 0.3; echo to-stderr >&2\n');
  writeFileSync(join(dir, 'sub', 'b.txt'), 'bee\n');
  return {
    'build': await build(d, { context: dir, src: ['Dockerfile', 'sub/b.txt'] }, { t: 'node-ctx', rm: true }),
    'failing': await build(d, tarOf({ Dockerfile: 'FROM busybox\nRUN echo before; exit 5\n' }), { rm: true, forcerm: true }),
    'bad buildargs': await build(d, tarOf({ Dockerfile: 'FROM busybox\n' }), { buildargs: '[1]' as unknown as Record<string, string> }),
    'unknown target': await build(d, tarOf({ Dockerfile: 'FROM busybox AS a\n' }), { target: 'nope' }),
  };
});

// The images critest (cri-tools v1.37) pulls, made here with `berth build`
// from cri-tools' own recipes (images/build, images/image-*), since these
// machines reach no public registry, and pushed to a local docker-registry;
// both runtimes use it as the mirror of registry.k8s.io and gcr.io (critest's
// --registry-prefix cannot serve: it drops tags, and creates containers from
// the names it did not rewrite). Stand-ins, the same for both runtimes:
// - busybox is Debian's busybox-static rootfs (not busybox:1.37.0), with a
//   www-data user added (the image-user recipe relies on busybox's);
// - e2e-test-images/nginx:1.14-2, httpd:2.4.39-4 and hostnet-nginx are busybox httpd writing
//   /var/run/nginx.pid (tests that look for a process named nginx fail on both);
// - test-image-digest cannot have upstream's digest (that test fails on both);
// - pause:3.9 (registry.k8s.io and k8s.gcr.io, "the same image from two
//   registries") is a busybox image of its own; nonewprivs:1.3 (a setuid C
//   program) is not made (its specs fail on both).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { show } from '../integration/acceptance-support.ts';
import { ensureBusybox, type Daemon } from '../integration/harness.ts';

interface Recipe {
  readonly tags: readonly string[];
  readonly dockerfile: string;
  readonly files?: Readonly<Record<string, string>>;
}

const base = 'FROM busybox:1.37.0\n';
const web = (port: number) =>
  `${base}RUN mkdir -p /usr/share/nginx/html /var/run && echo '<title>Welcome to nginx!</title>' > /usr/share/nginx/html/index.html\n` +
  `CMD ["sh", "-c", "echo $$ > /var/run/nginx.pid; exec httpd -f -p ${port} -h /usr/share/nginx/html"]\n`;

function recipes(): Recipe[] {
  const cri = 'k8s-staging-cri-tools';
  const user = (u: string) => `${base}USER ${u}\n`;
  const test = (file: string) => ({ dockerfile: `${base}ADD ${file} ${file}\n`, files: { [file]: '' } });
  return [
    { tags: ['e2e-test-images/busybox:1.29-2'], dockerfile: base },
    { tags: ['e2e-test-images/nginx:1.14-2'], dockerfile: web(80) },
    { tags: ['e2e-test-images/httpd:2.4.39-4'], dockerfile: web(80) },
    { tags: [`${cri}/hostnet-nginx-amd64:latest`], dockerfile: web(12003) },
    { tags: [`${cri}/test-image-user-uid:latest`], dockerfile: user('1002') },
    { tags: [`${cri}/test-image-user-username:latest`], dockerfile: user('www-data') },
    { tags: [`${cri}/test-image-user-uid-group:latest`], dockerfile: user('1003:1004') },
    { tags: [`${cri}/test-image-user-username-group:latest`], dockerfile: user('www-data:1004') },
    {
      tags: [`${cri}/test-image-predefined-group:latest`],
      // The recipe's adduser/addgroup, written out: Debian's busybox-static has neither applet.
      dockerfile:
        `${base}RUN echo default-user:x:1000:1000::/home/default-user:/bin/sh >> /etc/passwd && echo default-user:x:1000: >> /etc/group && ` +
        `echo group-defined-in-image:x:50000:default-user >> /etc/group && mkdir -p /home/default-user && chown 1000:1000 /home/default-user\nUSER 1000\n`,
    },
    ...['test-image-1', 'test-image-2', 'test-image-3', 'test-image-latest', 'test-image-digest'].map((n) => ({ tags: [`${cri}/${n}:latest`], ...test(n) })),
    { tags: [1, 2, 3].map((t) => `${cri}/test-image-tags:${t}`), ...test('same-image') },
    { tags: [`${cri}/test-image-tag:test`, `${cri}/test-image-tag:all`], ...test('test-image-tag') },
    // "The same image from two registries" (registry.k8s.io and k8s.gcr.io): an image of its own, so that
    // no other name (the sandbox image's) points at it in either runtime.
    { tags: ['pause:3.9'], ...test('pause-3.9') },
    // berth's pause image under a name containerd can pull as its sandbox image.
  ];
}

/** Builds every image critest needs in `d` and pushes it to `registry` (`127.0.0.1:port`); returns the sandbox image for containerd. */
export async function pushCritestImages(d: Daemon, registry: string): Promise<{ sandboxImage: string; seconds: number }> {
  const t0 = Date.now();
  await ensureBusybox(d);
  // busybox:1.37.0 of the recipes: Debian's busybox with busybox's www-data user.
  const ctxRoot = mkdtempSync('/tmp/berth-critest-images-');
  try {
    const must = async (args: string[]) => {
      const r = await d.berth(args, { timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`berth ${args.join(' ')}: ${show(r)}`);
      return r;
    };
    const mk = (name: string, dockerfile: string, files: Readonly<Record<string, string>> = {}) => {
      const dir = join(ctxRoot, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'Dockerfile'), dockerfile);
      for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content);
      return dir;
    };
    await must(['build', '-q', '-t', 'busybox:1.37.0', mk('busybox', 'FROM busybox:latest\nRUN echo www-data:x:33:33:www-data:/var/www:/bin/false >> /etc/passwd && echo www-data:x:33: >> /etc/group\n')]);
    let i = 0;
    for (const r of recipes()) {
      const dir = mk(`r${i++}`, r.dockerfile, r.files);
      await must(['build', '-q', ...r.tags.flatMap((t) => ['-t', `${registry}/${t}`]), dir]);
      for (const t of r.tags) await must(['push', `${registry}/${t}`]);
      // The builder is the CRI daemon itself: its store must not hold these names, or a pull through
      // the CRI finds images with the registry's tags too (critest counts repo tags).
      for (const t of r.tags) await must(['rmi', `${registry}/${t}`]);
    }
    // containerd's sandbox image: berth's own pause image, made by the CRI on first use.
    const sandboxImage = `${registry}/berth/pause:1`;
    const pods = await d.berth(['images', '-q', 'berth.local/pause:1']);
    if (pods.stdout.trim() === '') throw new Error('berth.local/pause:1 is not in the store yet: run a pod through the CRI first');
    await must(['tag', 'berth.local/pause:1', sandboxImage]);
    await must(['push', sandboxImage]);
    await must(['rmi', sandboxImage]);
    return { sandboxImage, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(ctxRoot, { recursive: true, force: true });
  }
}

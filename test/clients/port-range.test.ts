// A host port range on one container (issue 11's acceptance): each container
// that publishes `127.0.0.1:5000-5001:80` gets the first free port of the
// range, and with Compose's Go binary and docker-compose 1.29 a service with
// `deploy.replicas: 3` and `127.0.0.1:5000-5002:80` comes up with each replica
// answering on its own port. Pages are fetched from where the target publishes
// (the oracle's network namespace, the host for berthd).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientTargets, compose, dockerCli, sameOnBoth, scratchDir, type Target } from './harness.ts';

clientTargets();

/** busybox httpd serving one page that names the container's hostname. */
const httpd = ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www'];

/** The page on 127.0.0.1:port where the target publishes, retried while the server starts. */
async function page(t: Target, port: number): Promise<string> {
  let last = '';
  const deadline = Date.now() + 8_000;
  while (Date.now() < deadline) {
    const r = await t.netExec(['/bin/busybox', 'wget', '-qO-', '-T', '2', `http://127.0.0.1:${port}/`], { timeoutMs: 10_000 });
    if (r.code === 0) return r.stdout.trim();
    last = r.stderr.trim();
    await new Promise((res) => setTimeout(res, 200));
  }
  return `no answer: ${last}`;
}

for (const cli of ['v28', 'debian'] as const) {
  sameOnBoth(`docker CLI ${cli}: run -p 127.0.0.1:5000-5001:80 twice gives the second container 5001`, async (t) => {
    const run = (name: string) => dockerCli(t, ['run', '-d', '--name', name, '--hostname', name, '-p', '127.0.0.1:5000-5001:80', 'busybox', ...httpd], { cli });
    const first = await run('range-a');
    const second = await run('range-b');
    const third = await run('range-c');
    return {
      'first run': { code: first.code, stderr: first.stderr },
      'second run': { code: second.code, stderr: second.stderr },
      'port range-a': (await dockerCli(t, ['port', 'range-a'], { cli })).stdout,
      'port range-b': (await dockerCli(t, ['port', 'range-b', '80/tcp'], { cli })).stdout,
      'page on 5000': await page(t, 5000),
      'page on 5001': await page(t, 5001),
      // The range is used up: the third container cannot start.
      'third run fails': { code: third.code, stderr: third.stderr },
      'ps': (await dockerCli(t, ['ps', '-a', '--format', '{{.Names}} {{.Ports}} {{.State}}'], { cli })).stdout.split('\n').sort(),
    };
  });
}

const composeFile = `services:
  web:
    image: busybox
    command: ${JSON.stringify(httpd)}
    deploy:
      replicas: 3
    ports:
      - "127.0.0.1:5000-5002:80"
`;

for (const flavor of ['v2', 'v1'] as const) {
  const cwd = scratchDir();
  writeFileSync(join(cwd, 'docker-compose.yml'), composeFile);
  const name = flavor === 'v2' ? 'Compose\'s Go binary (docker compose)' : 'docker-compose 1.29';
  sameOnBoth(`${name}: deploy.replicas 3 on 127.0.0.1:5000-5002:80 — each replica answers on its own port`, async (t) => {
    const c = (args: string[]) => compose(t, ['-p', 'berthrange', ...args], { flavor, cwd, timeoutMs: 180_000 });
    const up = await c(['up', '-d']);
    const ids = (await c(['ps', '-q'])).stdout.split('\n').filter(Boolean);
    const hostnames = new Set<string>();
    for (const id of ids) hostnames.add((await dockerCli(t, ['inspect', '-f', '{{.Config.Hostname}}', id])).stdout.trim());
    const pages = [await page(t, 5000), await page(t, 5001), await page(t, 5002)];
    const port = await c(['port', 'web', '80']);
    const down = await c(['down']);
    return {
      'up': { code: up.code, error: up.code === 0 ? '' : up.stderr.trim().split('\n').slice(-3).join('\n') },
      'replicas': ids.length,
      'each port answers with a different replica': new Set(pages).size === 3 && pages.every((p) => hostnames.has(p)),
      'port web 80 names one of them': { code: port.code, inRange: /^127\.0\.0\.1:500[0-2]$/.test(port.stdout.trim()) },
      'down': down.code,
    };
  });
}

// RUN's network in a build: by default each RUN step gets its own network
// namespace on berth's default bridge (as docker's classic builder does), and
// after the step nothing of it is left — no veth on the bridge, no netns file,
// no iptables rule; `--network=host|none` on `berth build` and
// `RUN --network=` choose otherwise.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
const dirs: string[] = [];

function context(dockerfile: string): string {
  const dir = mkdtempSync('/tmp/berth-build-net-');
  dirs.push(dir);
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

/** Interfaces enslaved to the daemon's bridge (the host ends of veth pairs). */
function bridgePorts(): string[] {
  const out = execFileSync('ip', ['-o', 'link', 'show', 'master', d.bridge], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() !== '');
}

function netnsFiles(): string[] {
  const dir = join(d.execRoot, 'netns');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/**
 * iptables rules that mention one address of the daemon's subnet or one of the
 * given container ids (the network's own rules for the whole subnet, such as
 * its masquerade rule, belong to the bridge and stay).
 */
function rulesMentioning(ids: readonly string[]): string[] {
  const prefix = d.bip.replace(/\.1\/24$/, '.');
  const dump = execFileSync('iptables-save', { encoding: 'utf8' });
  return dump.split('\n').filter((l) => l.replaceAll(`${prefix}0/24`, '').includes(prefix) || ids.some((id) => l.includes(id)));
}

const runIds = (out: string) => [...out.matchAll(/^ ---> Running in ([0-9a-f]{12})$/gm)].map((m) => m[1] as string);

describe('the network of RUN steps', { timeout: 300_000 }, () => {
  before(async () => {
    d = await startDaemon();
    await ensureBusybox(d);
  });
  after(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await d?.stop();
  });

  it('runs each RUN step in its own netns on the default bridge and leaves nothing behind', async () => {
    const rulesBefore = rulesMentioning([]);
    const hostNs = readlinkSync('/proc/self/ns/net');
    const dir = context('FROM busybox\nRUN echo "ns=$(readlink /proc/self/ns/net)"; ip -4 -o addr show eth0; ip route\nRUN ip -4 -o addr show eth0\n');
    const r = await d.berth(['build', '--no-cache', dir]);
    assert.equal(r.code, 0, r.stderr);
    const ns = /^ns=(.*)$/m.exec(r.stdout)?.[1];
    assert.ok(ns?.startsWith('net:['), r.stdout);
    assert.notEqual(ns, hostNs, 'not the host\'s network namespace');
    const prefix = d.bip.replace(/\.1\/24$/, '.');
    const addrs = [...r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/24/g)].map((m) => m[1] as string);
    assert.equal(addrs.length, 2, r.stdout);
    for (const a of addrs) assert.ok(a.startsWith(prefix), `${a} is on the bridge's subnet ${d.bip}`);
    assert.match(r.stdout, new RegExp(`^default via ${prefix.replace(/\./g, '\\.')}1 dev eth0`, 'm'));
    const ids = runIds(r.stdout);
    assert.equal(ids.length, 2);
    // Exact clean-up after the steps: no veth, no netns, no iptables rule.
    assert.deepEqual(bridgePorts(), []);
    assert.deepEqual(netnsFiles(), []);
    assert.deepEqual(rulesMentioning(ids), rulesBefore);
  });

  it('cleans up the network of a failing step and of steps kept with --rm=false', async () => {
    const rulesBefore = rulesMentioning([]);
    const fail = await d.berth(['build', '--no-cache', context('FROM busybox\nRUN ip -4 -o addr show eth0 && exit 4\n')]);
    assert.equal(fail.code, 4);
    const kept = await d.berth(['build', '--no-cache', '--rm=false', context('FROM busybox\nRUN ip -4 -o addr show eth0\n')]);
    assert.equal(kept.code, 0, kept.stderr);
    const ids = [...runIds(fail.stdout), ...runIds(kept.stdout)];
    assert.equal(ids.length, 2);
    assert.deepEqual(bridgePorts(), []);
    assert.deepEqual(netnsFiles(), []);
    assert.deepEqual(rulesMentioning(ids), rulesBefore);
  });

  it('uses the host\'s network with --network=host and only loopback with RUN --network=none', async () => {
    const hostNs = readlinkSync('/proc/self/ns/net');
    const r = await d.berth(['build', '--no-cache', '--network', 'host', context('FROM busybox\nRUN echo "ns=$(readlink /proc/self/ns/net)"\nRUN --network=none ip -o link | cut -d: -f2\n')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(/^ns=(.*)$/m.exec(r.stdout)?.[1], hostNs);
    assert.match(r.stdout, /Step 3\/3 : RUN --network=none ip -o link \| cut -d: -f2\n ---> Running in \w+\n lo\nRemoving intermediate container/);
    const none = await d.berth(['build', '--no-cache', '--network=none', context('FROM busybox\nRUN ip -o link | cut -d: -f2\n')]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /Running in \w+\n lo\nRemoving intermediate container/);
    assert.deepEqual(bridgePorts(), []);
  });
});

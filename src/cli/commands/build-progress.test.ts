// Unit tests of `berth build`'s progress modes and the tty view's rendering.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { progressMode, ttyProgress } from './build-progress.ts';

describe('build progress', () => {
  it('resolves auto to tty on a terminal and plain otherwise, and -q to quiet', () => {
    assert.equal(progressMode(undefined, false, true), 'tty');
    assert.equal(progressMode('auto', false, false), 'plain');
    assert.equal(progressMode('tty', false, false), 'tty');
    assert.equal(progressMode('plain', true, true), 'quiet');
    assert.throws(() => progressMode('fancy', false, true), /invalid progress mode "fancy"/);
  });

  it('shows finished steps once, with CACHED or their time, and the running step\'s last lines', () => {
    let out = '';
    let t = 1000;
    const view = ttyProgress((s) => (out += s), () => 80, () => t);
    view.text('Step 1/3 : FROM busybox\n ---> 0123456789ab\nStep 2/3 : RUN echo hi\n ---> Using cache\n ---> 0123456789ab\n');
    view.text('Step 3/3 : RUN long\n ---> Running in 0123456789ab\n');
    for (let i = 1; i <= 8; i++) view.text(`line ${i}\n`);
    t += 2500;
    view.text('Removing intermediate container 0123456789ab\n ---> 0123456789ab\nSuccessfully built 0123456789ab\n');
    view.finish(false);
    const plain = out.replace(/\x1b\[\d*[A-Za-z]/g, '');
    assert.match(plain, /^ ✔ \[1\/3\] FROM busybox {2}0\.0s$/m);
    assert.match(plain, /^ ✔ \[2\/3\] RUN echo hi {2}CACHED$/m);
    assert.match(plain, /^ ✔ \[3\/3\] RUN long {2}2\.5s$/m);
    assert.match(plain, /^Successfully built 0123456789ab$/m);
    assert.equal(plain.match(/ ✔ \[2\/3\]/g)?.length, 1, 'a finished step is printed once');
    assert.doesNotMatch(plain, /Running in|Removing intermediate/);
    // The live block keeps the last six lines only.
    assert.match(out, /\x1b\[2m {3}line 8\x1b\[0m/);
    assert.doesNotMatch(out.slice(out.lastIndexOf('[+] Building')), /line 2\b/);
  });

  it('prints the whole output of a failing step', () => {
    let out = '';
    const view = ttyProgress((s) => (out += s), () => 80);
    view.text('Step 1/1 : RUN fail\n ---> Running in 0123456789ab\n');
    for (let i = 1; i <= 9; i++) view.text(`out ${i}\n`);
    view.finish(true);
    assert.match(out, /--- output of \[1\/1\] RUN fail ---\nout 1\nout 2\n[\s\S]*out 9\n$/);
  });

  it('cuts lines to the terminal width', () => {
    let out = '';
    const view = ttyProgress((s) => (out += s), () => 30);
    view.text(`Step 1/1 : RUN ${'x'.repeat(100)}\n`);
    view.finish(false);
    const lines = out.replace(/\x1b\[\d*[A-Za-z]/g, '').replace(/\r/g, '').split('\n');
    for (const l of lines) assert.ok(l.length <= 29, l);
    assert.ok(lines.some((l) => /^ ✔ \[1\/1\] RUN x+…  \d\.\ds$/.test(l)), 'the time stays visible');
  });
});

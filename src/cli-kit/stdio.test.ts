// cli-kit/stdio: text is written with write(2) until something needs a stream;
// from then on it goes through the stream, in order, and exitWhenFlushed waits
// for what a stream still holds. Each case runs in a child process (node:test
// reports through this process's stdout). The CLI's code writes only through
// stdio.ts, so that exitWhenFlushed knows every stream that was made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const stdio = new URL('./stdio.ts', import.meta.url).pathname;
/** Bun (a devDependency): the compiled CLI's runtime, whose process.stdout on a pipe queues what the pipe cannot take yet. */
const bun = new URL('../../node_modules/.bin/bun', import.meta.url).pathname;

/**
 * Runs `body` (with out, err, stdoutStream, stderrStream and exitWhenFlushed in
 * scope) in a child on Bun or Node; its stdout is a pipe read only after 500 ms,
 * so that it fills up and a stream must queue.
 */
async function child(runtime: 'bun' | 'node', body: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const script = `import { out, err, stdoutStream, stderrStream, exitWhenFlushed } from ${JSON.stringify(stdio)};\n${body}\n`;
  if (runtime === 'bun') assert.ok(existsSync(bun), 'bun is installed (npm ci)');
  const p = runtime === 'bun'
    ? spawn(bun, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  p.stdout.pause();
  p.stderr.on('data', (c: Buffer) => stderr.push(c));
  await new Promise((r) => setTimeout(r, 500));
  p.stdout.on('data', (c: Buffer) => stdout.push(c));
  p.stdout.resume();
  const code = await new Promise<number | null>((r) => p.on('close', r));
  return { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), code };
}

const line = 'x'.repeat(99) + '\n';

for (const runtime of ['bun', 'node'] as const) {
  test(`${runtime}: text written before and after a stream was made keeps its order, on both descriptors`, async () => {
    // 300 kB through the stream fill the pipe; out() must queue behind them, not write past them.
    const r = await child(runtime, `out('a\\n'); err('1'); stdoutStream().write(${JSON.stringify(line)}.repeat(3000)); out('c\\n'); stderrStream().write('2'); err('3'); exitWhenFlushed(4);`);
    assert.equal(r.stdout, 'a\n' + line.repeat(3000) + 'c\n');
    assert.equal(r.stderr, '123');
    assert.equal(r.code, 4);
  });

  test(`${runtime}: exitWhenFlushed loses nothing a stream still holds for a slow pipe`, async () => {
    // Bun's process.stdout queues what the full pipe cannot take; exiting at once lost it (64 kB of 300 kB arrived).
    const r = await child(runtime, `out('first\\n'); stdoutStream(); for (let i = 0; i < 3000; i++) out(${JSON.stringify(line)}); exitWhenFlushed(0);`);
    assert.equal(r.stdout, 'first\n' + line.repeat(3000));
    assert.equal(r.code, 0);
  });

  test(`${runtime}: without a stream, everything is on the descriptors when the process exits at once`, async () => {
    const r = await child(runtime, `for (let i = 0; i < 3000; i++) out(i + ${JSON.stringify(line)}); err('e\\n'); exitWhenFlushed(0);`);
    assert.equal(r.stdout, Array.from({ length: 3000 }, (_, i) => `${i}${line}`).join(''));
    assert.equal(r.stderr, 'e\n');
    assert.equal(r.code, 0);
  });
}

test('the CLI writes to stdout and stderr only through cli-kit/stdio.ts', () => {
  const src = new URL('../', import.meta.url).pathname;
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && path !== stdio) {
        readFileSync(path, 'utf8').split('\n').forEach((l, i) => {
          if (/process\.std(out|err)\b/.test(l)) offenders.push(`${path.slice(src.length)}:${i + 1}`);
        });
      }
    }
  };
  for (const dir of ['cli', 'cli-kit']) walk(join(src, dir));
  assert.deepEqual(offenders, [], 'use out/err, stdoutStream()/stderrStream() or isTerminal() from cli-kit');
});

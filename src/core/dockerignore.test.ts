// The .dockerignore matcher against Docker's documented pattern rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanPath, DockerignoreMatcher, dockerignoreMatcher, parseDockerignore } from './dockerignore.ts';
import { isInvalidArgument } from './errors.ts';

test('parseDockerignore drops comments and blanks and cleans each pattern', () => {
  assert.deepEqual(parseDockerignore('# comment\n\n  /foo/../bar/  \n! /keep/./me\n*.md\r\n'), ['bar', '!keep/me', '*.md']);
});

test('cleanPath behaves like Go path.Clean', () => {
  assert.equal(cleanPath('a//b/./c/..'), 'a/b');
  assert.equal(cleanPath('/../x'), '/x');
  assert.equal(cleanPath('../x/'), '../x');
  assert.equal(cleanPath(''), '.');
});

test('a single star stays within one path component', () => {
  const m = new DockerignoreMatcher(['*.go']);
  assert.equal(m.matches('main.go'), true);
  assert.equal(m.matches('cmd/main.go'), false);
  const dir = new DockerignoreMatcher(['*/temp*']);
  assert.equal(dir.matches('somedir/temporary.txt'), true);
  assert.equal(dir.matches('somedir/temp/x'), true);
  assert.equal(dir.matches('temp'), false);
});

test('a double star matches any number of directories, including none', () => {
  const m = new DockerignoreMatcher(['**/*.go']);
  assert.equal(m.matches('main.go'), true);
  assert.equal(m.matches('a/b/c/main.go'), true);
  assert.equal(m.matches('a/b/main.c'), false);
  const tail = new DockerignoreMatcher(['node_modules/**']);
  assert.equal(tail.matches('node_modules/x/y'), true);
  const lead = new DockerignoreMatcher(['**/node_modules']);
  assert.equal(lead.matches('node_modules'), true);
  assert.equal(lead.matches('web/node_modules/react/index.js'), true);
  assert.equal(new DockerignoreMatcher(['**']).matches('anything/at/all'), true);
});

test('question mark matches exactly one character but not a slash', () => {
  const m = new DockerignoreMatcher(['a?c']);
  assert.equal(m.matches('abc'), true);
  assert.equal(m.matches('a/c'), false);
  assert.equal(m.matches('abbc'), false);
});

test('an excluded directory excludes everything inside it', () => {
  const m = new DockerignoreMatcher(['.git', 'build/']);
  assert.equal(m.matches('.git/HEAD'), true);
  assert.equal(m.matches('build/out/app'), true);
  assert.equal(m.matches('src/build'), false);
});

test('exceptions re-include and the last matching pattern wins', () => {
  const m = dockerignoreMatcher('*.md\n!README.md\n');
  assert.equal(m.matches('CHANGES.md'), true);
  assert.equal(m.matches('README.md'), false);
  const again = dockerignoreMatcher('*.md\n!README*.md\nREADME-secret.md\n');
  assert.equal(again.matches('README-secret.md'), true);
  assert.equal(again.matches('README-public.md'), false);
  const inDir = dockerignoreMatcher('docs\n!docs/keep.md\n');
  assert.equal(inDir.matches('docs/drop.md'), true);
  assert.equal(inDir.matches('docs/keep.md'), false);
});

test('canSkipDir prunes a matched directory unless an exception starts with it, as Docker does', () => {
  const m = dockerignoreMatcher('docs\n!docs/keep.md\nvendor\n');
  assert.equal(m.canSkipDir('vendor'), true);
  assert.equal(m.canSkipDir('docs'), false);
  assert.equal(m.canSkipDir('src'), false);
  // Docker's walker shortcut: an exception not spelled under tmp/ does not reach into it.
  assert.equal(dockerignoreMatcher('tmp\n!**/*.keep\n').canSkipDir('tmp'), true);
});

test('excludes() agrees with what docker build (classic builder) sent in an oracle run', () => {
  const keep = dockerignoreMatcher('tmp\n!**/*.keep\n');
  assert.equal(keep.excludes('tmp/a.keep'), true);
  assert.equal(keep.excludes('other/a.keep'), false);
  const star = dockerignoreMatcher('*\n!cmd\n!**/*.go\n');
  assert.equal(star.excludes('a.go'), false);
  assert.equal(star.excludes('cmd/main.go'), false);
  assert.equal(star.excludes('deep/a/b/c.go'), true);
  assert.equal(star.excludes('README.md'), true);
  const docs = dockerignoreMatcher('docs\n!docs/keep.md\n');
  assert.equal(docs.excludes('docs/keep.md'), false);
  assert.equal(docs.excludes('docs/drop.md'), true);
});

test('a lone exclamation mark is rejected', () => {
  assert.throws(() => new DockerignoreMatcher(['!']), isInvalidArgument);
});

test('regexp characters in patterns are literal', () => {
  const m = new DockerignoreMatcher(['a+b(c).txt', 'x[0-9].log']);
  assert.equal(m.matches('a+b(c).txt'), true);
  assert.equal(m.matches('aab(c)xtxt'), false);
  assert.equal(m.matches('x7.log'), true);
});

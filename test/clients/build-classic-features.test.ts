// A Dockerfile that uses most instructions (multi-stage, ARG/ENV expansion,
// COPY --chown of a directory, globs, ADD of a tar, exec-form RUN, USER,
// EXPOSE, VOLUME, HEALTHCHECK, STOPSIGNAL, ENTRYPOINT/CMD, ONBUILD, SHELL),
// built with the docker CLI's classic builder against dockerd and berthd: the
// image runs alike, its config and its history (the `#(nop)` texts) are the
// same, and the usual mistakes fail alike.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { clientTargets, dockerCli, sameOnBoth, scratchDir, type RunResult, type Target } from '../clients/harness.ts';

clientTargets();
const brief = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });
const cwd = scratchDir();
const files: Record<string, string> = {
  'Dockerfile': `FROM busybox AS base
ARG VERSION=1.0
ENV APP_VERSION=$VERSION PATH=/opt/app/bin:$PATH
LABEL org.example.version=$VERSION maintainer="me"
WORKDIR /opt/app
COPY --chown=1000:1000 src/ ./src/
COPY *.txt /opt/app/docs/
ADD archive.tar /opt/app/extracted/
RUN mkdir -p bin && printf '#!/bin/sh\\necho tool $APP_VERSION\\n' > bin/tool && chmod +x bin/tool
RUN ["sh", "-c", "echo exec-form > /opt/app/exec.txt"]
USER 1000
EXPOSE 8080/tcp 9090/udp
VOLUME ["/data"]
HEALTHCHECK --interval=5s CMD true
STOPSIGNAL SIGTERM
ENTRYPOINT ["tool"]
CMD ["--help"]

FROM base AS final
ONBUILD RUN echo onbuild
SHELL ["/bin/sh", "-ec"]
RUN echo shell-form
`,
  'src/a.js': 'a', 'src/sub/b.js': 'b', 'one.txt': '1', 'two.txt': '2', '.dockerignore': 'ignored/\n*.log\n', 'ignored/x': 'x', 'debug.log': 'x',
};
for (const [p, c] of Object.entries(files)) {
  mkdirSync(join(cwd, p, '..'), { recursive: true });
  writeFileSync(join(cwd, p), c);
}
mkdirSync(join(cwd, 'arch'));
writeFileSync(join(cwd, 'arch', 'f'), 'inarch\n');
execFileSync('tar', ['-cf', join(cwd, 'archive.tar'), '-C', join(cwd, 'arch'), 'f']);
execFileSync('rm', ['-rf', join(cwd, 'arch')]);
symlinkSync('one.txt', join(cwd, 'link.txt'));

const env = (t: Target) => ({ env: { ...t.env, DOCKER_BUILDKIT: '0' } });
sameOnBoth('classic build of a featureful Dockerfile', async (t) => {
  const b = async (args: string[]) => dockerCli(t, ['build', ...args.map((a) => a === '.' ? cwd : a.endsWith('Dockerfile') && a !== 'Dockerfile' ? join(cwd, a) : a)], env(t));
  const build = await b(['-q', '--build-arg', 'VERSION=2.5', '-t', 'feat:1', '.']);
  const out = {
    build: build.code === 0 ? 0 : build.stderr,
    run: brief(await dockerCli(t, ['run', '--rm', 'feat:1'])),
    runArgs: brief(await dockerCli(t, ['run', '--rm', 'feat:1', 'x'])),
    files: brief(await dockerCli(t, ['run', '--rm', '--entrypoint', 'sh', 'feat:1', '-c', 'cd /opt/app && find . | sort && ls -ln src/a.js | awk "{print \\$3,\\$4}" && cat exec.txt docs/*.txt extracted/f && id -u'])),
    config: brief(await dockerCli(t, ['inspect', '-f', '{{json .Config.Env}} {{json .Config.Labels}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{.Config.User}} {{.Config.WorkingDir}} {{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.StopSignal}} {{json .Config.Healthcheck}} {{json .Config.OnBuild}} {{json .Config.Shell}}', 'feat:1'])),
    history: (await dockerCli(t, ['history', '--format', '{{.CreatedBy}}', '--no-trunc', 'feat:1'])).stdout.split('\n'),
    target: (await b(['-q', '--target', 'base', '-t', 'feat:base', '.'])).code,
    targetShell: brief(await dockerCli(t, ['inspect', '-f', '{{json .Config.Shell}} {{json .Config.OnBuild}}', 'feat:base'])),
    badTarget: brief(await b(['-q', '--target', 'nope', '.'])).code,
    noFile: brief(await b(['-q', '-f', 'Nope.Dockerfile', '.'])).code,
    badInstr: await (async () => { writeFileSync(join(cwd, 'Bad.Dockerfile'), 'FROM busybox\nFOO bar\n'); return brief(await b(['-q', '-f', 'Bad.Dockerfile', '.'])); })(),
    failRun: await (async () => { writeFileSync(join(cwd, 'Fail.Dockerfile'), 'FROM busybox\nRUN echo before && exit 3\n'); const r = await b(['-f', 'Fail.Dockerfile', '.']); return { code: r.code, tail: r.stderr.trim().split('\n').slice(-1) }; })(),
    copyMissing: await (async () => { writeFileSync(join(cwd, 'Miss.Dockerfile'), 'FROM busybox\nCOPY nope.txt /\n'); const r = await b(['-q', '-f', 'Miss.Dockerfile', '.']); return { code: r.code, err: r.stderr.trim().split('\n').slice(-1) }; })(),
    copyIgnored: await (async () => { writeFileSync(join(cwd, 'Ign.Dockerfile'), 'FROM busybox\nCOPY debug.log /\n'); const r = await b(['-q', '-f', 'Ign.Dockerfile', '.']); return { code: r.code, err: r.stderr.trim().split('\n').slice(-1) }; })(),
    copyLink: await (async () => { writeFileSync(join(cwd, 'Link.Dockerfile'), 'FROM busybox\nCOPY link.txt /l\nRUN ls -l /l | cut -c1; cat /l\n'); const r = await b(['-f', 'Link.Dockerfile', '.']); return { code: r.code, out: r.stdout.split('\n').filter((l) => /^[-l]$|^1$/.test(l.trim())) }; })(),
  };
  return out;
}, {
  timeout: 400_000,
  expect: (r) => {
    assert.equal(r.build, 0);
    assert.deepEqual(r.run, { code: 0, stdout: 'tool 2.5\n', stderr: '' });
    assert.match(r.history.join('\n'), /\/bin\/sh -ec #\(nop\)  SHELL \[\/bin\/sh -ec\]/);
    assert.match(r.history.join('\n'), /COPY --chown=1000:1000dir:<id> in \.\/src\/ /);
    assert.notEqual(r.badInstr.code, 0);
  },
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Template } from '../cli-kit/index.ts';
import { typedNils } from './inspect-typed.ts';

test('a null list field of an inspected image prints [] as docker\'s typed nil slice, and marshals as null', () => {
  const image = typedNils({ RepoTags: ['a:b'], Config: { Entrypoint: null, Cmd: ['sh'], OnBuild: null, Labels: null } }, 'image');
  const run = (f: string) => new Template(f).execute(image, { missingKey: 'error' });
  assert.equal(run('{{.Config.Entrypoint}}|{{.Config.OnBuild}}|{{.Config.Cmd}}|{{.RepoTags}}'), '[]|[]|[sh]|[a:b]');
  assert.equal(run('{{json .Config.Entrypoint}} {{json .Config}}'), 'null {"Entrypoint":null,"Cmd":["sh"],"OnBuild":null,"Labels":null}');
  assert.equal(JSON.stringify(image.Config.Entrypoint), 'null');
});

test('a null list field of an inspected container prints [], one the struct does not hold as a list is left alone', () => {
  const c = typedNils({ Args: null, HostConfig: { Binds: null, CapAdd: null, NetworkMode: 'none' }, Config: { Entrypoint: null } }, 'container');
  assert.equal(new Template('{{.Args}} {{.HostConfig.Binds}} {{.HostConfig.CapAdd}} {{.Config.Entrypoint}} {{.HostConfig.NetworkMode}}').execute(c, { missingKey: 'error' }), '[] [] [] [] none');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { containerCreateBody } from './create-body-types.ts';
import { goDecodeError } from './go-decode.ts';

const check = (body: string) => goDecodeError(body, containerCreateBody);

// Each text below is what dockerd 20.10 answered for the same body.
test('a create body with a wrong type gets dockerd\'s words (struct, field path, Go type)', () => {
  const cases: [string, string][] = [
    ['{"Image":"busybox","HostConfig":{"Memory":1.5}}', 'json: cannot unmarshal number 1.5 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    ['{"Image":"busybox","HostConfig":{"Memory":18446744073709551616}}', 'json: cannot unmarshal number 18446744073709551616 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    ['{"Image":"busybox","HostConfig":{"Memory":1e308}}', 'json: cannot unmarshal number 1e308 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    ['{"Image":"busybox","HostConfig":{"Memory":1E7}}', 'json: cannot unmarshal number 1E7 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    ['{"Image":"busybox","Healthcheck":"x"}', 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Healthcheck of type container.HealthConfig'],
    ['{"Image":"busybox","StopTimeout":1e308}', 'json: cannot unmarshal number 1e308 into Go struct field ContainerConfigWrapper.StopTimeout of type int'],
    ['{"Image":"busybox","Cmd":5}', 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Cmd of type string'],
    ['{"Image":"busybox","Cmd":[5]}', 'json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Cmd of type string'],
    ['{"Image":"busybox","Cmd":{}}', 'json: cannot unmarshal object into Go struct field ContainerConfigWrapper.Cmd of type string'],
    ['{"Image":"busybox","Env":"x"}', 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Env of type []string'],
    ['{"Image":"busybox","Env":[1]}', 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Env of type string'],
    ['{"Image":5}', 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Image of type string'],
    ['{"Image":"busybox","Tty":"yes"}', 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Tty of type bool'],
    ['{"Image":"busybox","HostConfig":"x"}', 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.HostConfig of type container.HostConfig'],
    ['{"Image":"busybox","HostConfig":{"memory":"x"}}', 'json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Memory of type int64'],
    ['{"Image":"busybox","HostConfig":{"RestartPolicy":{"MaximumRetryCount":"x"}}}', 'json: cannot unmarshal string into Go struct field RestartPolicy.HostConfig.RestartPolicy.MaximumRetryCount of type int'],
    ['{"Image":"busybox","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":1}]}}}', 'json: cannot unmarshal number into Go struct field PortBinding.HostConfig.PortBindings.HostPort of type string'],
    ['{"Image":"busybox","HostConfig":{"PortBindings":{"80/tcp":"x"}}}', 'json: cannot unmarshal string into Go struct field HostConfig.HostConfig.PortBindings of type []nat.PortBinding'],
    ['{"Image":"busybox","ExposedPorts":[]}', 'json: cannot unmarshal array into Go struct field ContainerConfigWrapper.ExposedPorts of type nat.PortSet'],
    ['{"Image":"busybox","Tty":"x","HostConfig":{"Memory":"x"}}', 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Tty of type bool'],
    ['{"Image":"busybox","Tty":"x","Cmd":5}', 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Cmd of type string'],
    ['{"Image":"busybox","HostConfig":{"ConsoleSize":[1,-1]}}', 'json: cannot unmarshal number -1 into Go struct field HostConfig.HostConfig.ConsoleSize of type uint'],
    ['{"Image":"busybox","HostConfig":{"Ulimits":[{"Soft":1.5}]}}', 'json: cannot unmarshal number 1.5 into Go struct field Ulimit.HostConfig.Ulimits.Soft of type int64'],
    ['{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"x":{"Aliases":"y"}}}}', 'json: cannot unmarshal string into Go struct field EndpointSettings.NetworkingConfig.EndpointsConfig.Aliases of type []string'],
    ['{"Image":"busybox","Healthcheck":{"Interval":1.5}}', 'json: cannot unmarshal number 1.5 into Go struct field HealthConfig.Healthcheck.Interval of type time.Duration'],
    ['{"Image":"busybox","Labels":{"a":1}}', 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Labels of type string'],
    ['{"Image":"busybox","Volumes":{"/a":1}}', 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Volumes of type struct {}'],
    ['{"Image":"busybox","HostConfig":{"Mounts":[{"Type":1}]}}', 'json: cannot unmarshal number into Go struct field Mount.HostConfig.Mounts.Type of type mount.Type'],
    ['{"Image":"busybox","HostConfig":{"NetworkMode":5}}', 'json: cannot unmarshal number into Go struct field HostConfig.HostConfig.NetworkMode of type container.NetworkMode'],
    ['[]', 'json: cannot unmarshal array into Go value of type runconfig.ContainerConfigWrapper'],
    ['"x"', 'json: cannot unmarshal string into Go value of type runconfig.ContainerConfigWrapper'],
  ];
  for (const [body, want] of cases) assert.equal(check(body), want, body);
});

test('a create body dockerd takes decodes without error', () => {
  for (const body of [
    'null',
    '{"Image":"busybox","HostConfig":{"Memory":9223372036854775807,"CpuShares":-5}}',
    '{"Image":"busybox","HostConfig":{"Memory":-0,"ConsoleSize":[1,2,3]}}',
    '{"Image":"busybox","Cmd":"sh","Entrypoint":["a",null],"Unknown":{"deep":[[[1]]]},"Labels":{"a":null}}',
    '{"image":"busybox","hostconfig":{"binds":["/a:/b"]}}',
  ]) assert.equal(check(body), undefined, body);
});

test('a syntax error comes before any type error', () => {
  assert.equal(check('{"Image":5,'), 'unexpected end of JSON input');
  assert.equal(check('{"Labels":' + '['.repeat(20000) + ']'.repeat(20000) + '}'), "invalid character '[' exceeded max depth");
});

test('the decoder never throws, whatever JSON it is given (property)', () => {
  const keys = fc.constantFrom('Image', 'Cmd', 'Env', 'HostConfig', 'Memory', 'PortBindings', 'Healthcheck', 'Mounts', 'ConsoleSize', 'Ulimits', 'x', 'NetworkingConfig', 'EndpointsConfig');
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(keys, tie('tree'), { maxKeys: 4 })),
  }));
  fc.assert(
    fc.property(tree, (v) => {
      const r = check(JSON.stringify(v));
      assert.ok(r === undefined || r.startsWith('json: cannot unmarshal '), r);
    }),
    { numRuns: 3000 },
  );
});

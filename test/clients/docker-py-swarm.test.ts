// docker-py against an engine that is not in a swarm and has no plugins (issue
// 11: "Swarm and plugin endpoints answer 501"): leave_swarm(force=True) must
// succeed (docker-py accepts dockerd's 503, not a 501), inspect_swarm() and the
// other swarm calls fail with dockerd's status and text, plugins() is [], a
// named plugin is 404, and info()['Swarm'] says inactive. Both docker-py
// flavours: Debian's 5.0.3 and the newest from PyPI.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const swarmScript = `
c = api()
out({
  'leave_swarm(force=True)': outcome(lambda: c.leave_swarm(force=True)),
  'leave_swarm()': outcome(lambda: c.leave_swarm()),
  'inspect_swarm()': outcome(lambda: c.inspect_swarm()),
  'nodes()': outcome(lambda: c.nodes()),
  'services()': outcome(lambda: c.services()),
  'tasks()': outcome(lambda: c.tasks()),
  'secrets()': outcome(lambda: c.secrets()),
  'configs()': outcome(lambda: c.configs()),
  "info()['Swarm']": c.info()['Swarm'],
})
`;

const pluginScript = `
c = api()
out({
  'plugins()': outcome(lambda: c.plugins()),
  'inspect_plugin(absent)': outcome(lambda: c.inspect_plugin('berth-test/absent:latest')),
  'remove_plugin(absent)': outcome(lambda: c.remove_plugin('berth-test/absent:latest')),
  "info()['Plugins'] keys": sorted(c.info()['Plugins'].keys()),
  'client().plugins.list()': outcome(lambda: [p.name for p in client().plugins.list()]),
})
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: leave_swarm(force=True), inspect_swarm() and info()['Swarm'] outside a swarm`, (t) => dockerPy(t, swarmScript, { flavor }));
  sameOnBoth(`docker-py ${flavor}: plugins() is empty and a named plugin is not found`, (t) => dockerPy(t, pluginScript, { flavor }));
}

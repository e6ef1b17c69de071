// The instructions that change only the image config: ENV, LABEL, EXPOSE,
// USER, VOLUME, SHELL, STOPSIGNAL, HEALTHCHECK, CMD, ENTRYPOINT, ONBUILD and
// MAINTAINER. Each expands its words with the stage's variables and records
// the classic builder's `#(nop)` text.
import { invalidArgument } from '../../core/errors.ts';
import type { OciContainerConfig } from '../../image/index.ts';
import type { BuildSession } from '../build-session.ts';
import { defaultShell, setEnv, type StageState } from '../build-state.ts';
import type { Command } from '../parser/index.ts';
import { metaStep } from './meta-step.ts';
import { healthcheckNopText, shellNopText } from '../nop-text.ts';

/** The config-only instructions' kinds. */
export type MetadataCommand = Extract<Command, { kind: 'ENV' | 'LABEL' | 'EXPOSE' | 'USER' | 'VOLUME' | 'SHELL' | 'STOPSIGNAL' | 'HEALTHCHECK' | 'CMD' | 'ENTRYPOINT' | 'ONBUILD' | 'MAINTAINER' }>;

export function metadataStep(b: BuildSession, st: StageState, cmd: MetadataCommand, x: (word: string) => string): Promise<void> {
  switch (cmd.kind) {
    case 'ENV': {
      const pairs = cmd.env.map((p) => ({ key: x(p.key), value: x(p.value) }));
      const text = `ENV ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
      return metaStep(b, st, text, (c) => {
        for (const p of pairs) setEnv(c, p.key, p.value);
      });
    }
    case 'LABEL': {
      const pairs = cmd.labels.map((p) => ({ key: x(p.key), value: x(p.value) }));
      return metaStep(b, st, `LABEL ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`, (c) => {
        c.Labels = { ...(c.Labels ?? {}) };
        for (const p of pairs) c.Labels[p.key] = p.value;
      });
    }
    case 'EXPOSE': {
      const words = cmd.ports.map(x).flatMap((p) => p.split(/\s+/)).filter((p) => p !== '');
      const ports = words.map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`));
      // History shows the words as given (sorted by the parser, as dockerd sorts them), without the /tcp added here.
      return metaStep(b, st, `EXPOSE ${words.join(' ')}`, (c) => {
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of ports) c.ExposedPorts[p] = {};
      });
    }
    case 'USER': {
      const user = x(cmd.user);
      return metaStep(b, st, `USER ${user}`, (c) => {
        c.User = user;
      });
    }
    case 'VOLUME': {
      const vols = cmd.volumes.map(x).filter((v) => v.trim() !== '');
      if (vols.length === 0) throw invalidArgument('VOLUME specified can not be an empty string');
      return metaStep(b, st, `VOLUME [${vols.join(' ')}]`, (c) => {
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of vols) c.Volumes[v] = {};
      });
    }
    case 'SHELL':
      return metaStep(b, st, shellNopText(cmd.shell), (c) => {
        c.Shell = [...cmd.shell];
      });
    case 'STOPSIGNAL': {
      const sig = x(cmd.signal);
      return metaStep(b, st, `STOPSIGNAL ${sig}`, (c) => {
        c.StopSignal = sig;
      });
    }
    case 'HEALTHCHECK': {
      const hc: NonNullable<OciContainerConfig['Healthcheck']> = {
        Test: [...cmd.test],
        ...(cmd.interval ? { Interval: cmd.interval } : {}),
        ...(cmd.timeout ? { Timeout: cmd.timeout } : {}),
        ...(cmd.startPeriod ? { StartPeriod: cmd.startPeriod } : {}),
        ...(cmd.startInterval ? { StartInterval: cmd.startInterval } : {}),
        ...(cmd.retries ? { Retries: cmd.retries } : {}),
      };
      return metaStep(b, st, healthcheckNopText({ test: cmd.test, interval: cmd.interval, timeout: cmd.timeout, startPeriod: cmd.startPeriod, retries: cmd.retries }), (c) => {
        c.Healthcheck = hc;
      });
    }
    case 'CMD': {
      const argv = cmd.prependShell ? [...(st.config.config?.Shell ?? defaultShell), cmd.cmdLine.join(' ')] : [...cmd.cmdLine];
      st.cmdSet = true;
      return metaStep(b, st, `CMD ${JSON.stringify(argv)}`, (c) => {
        c.Cmd = argv;
      });
    }
    case 'ENTRYPOINT': {
      const argv = cmd.prependShell ? [...(st.config.config?.Shell ?? defaultShell), cmd.cmdLine.join(' ')] : [...cmd.cmdLine];
      const resetCmd = !st.cmdSet;
      return metaStep(b, st, `ENTRYPOINT ${JSON.stringify(argv)}`, (c) => {
        c.Entrypoint = argv;
        if (resetCmd) c.Cmd = null;
      });
    }
    case 'ONBUILD':
      return metaStep(b, st, `ONBUILD ${cmd.expression}`, (c) => {
        c.OnBuild = [...(c.OnBuild ?? []), cmd.expression];
      });
    case 'MAINTAINER':
      return metaStep(b, st, `MAINTAINER ${cmd.maintainer}`, () => undefined, cmd.maintainer);
  }
}

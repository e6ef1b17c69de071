// One instruction of a stage (FROM aside): hands it to its family's step.
import type { BuildSession } from '../build-session.ts';
import type { StageState } from '../build-state.ts';
import type { Command } from '../parser/index.ts';
import { argStep } from './arg.ts';
import { copyStep } from './copy-add.ts';
import { metadataStep } from './metadata.ts';
import { runStepCommand } from './run.ts';
import { workdirStep } from './workdir.ts';

export async function dispatchStep(b: BuildSession, st: StageState, cmd: Command): Promise<void> {
  const x = b.expander(st);
  switch (cmd.kind) {
    case 'RUN':
      return runStepCommand(b, st, cmd);
    case 'COPY':
    case 'ADD':
      return copyStep(b, st, cmd);
    case 'ARG':
      return argStep(b, st, cmd);
    case 'WORKDIR':
      return workdirStep(b, st, cmd, x);
    default:
      return metadataStep(b, st, cmd, x);
  }
}

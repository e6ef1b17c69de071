// Every command path of the berth program ("run", "container ls", "volume"),
// for the tests that walk them all against the docker CLI; compose prints its
// own help and is left out.
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';

export function commandPaths(): string[][] {
  const out: string[][] = [];
  const walk = (cmd: Command, path: string[]) => {
    for (const c of cmd.commands) {
      if (c.name() === 'compose') continue;
      out.push([...path, c.name()]);
      walk(c, [...path, c.name()]);
    }
  };
  walk(buildProgram(), []);
  return out;
}

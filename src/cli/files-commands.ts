// cli: the file commands of a container — `cp`, `export`, `diff`, `commit`
// (top level and under `container`); bodies load lazily from commands/files.ts.
import { CommanderError, type Command } from 'commander';
import { programName } from '../cli-kit/index.ts';
import type { Sub } from './berth-command.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const files = () => import('./commands/files.ts');

/** docker's "aliases" annotation of a container command: its `container` path, then the top-level shortcut. */
const twin = (name: string) => ({ aliases: [`container ${name}`, name] });

export function addFileCommands(p: Command, sub: Sub): void {
  sub(p, 'cp', `[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\t${programName} cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH`, 'Copy files/folders between a container and the local filesystem', [], {
    ...twin('cp'),
    long: `Copy files/folders between a container and the local filesystem

Use '-' as the source to read a tar archive from stdin
and extract it to a directory destination in a container.
Use '-' as the destination to stream a tar archive of a
container source to stdout.`,
  })
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .option('-q, --quiet', 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached')
    .argument('<src>')
    .argument('<dst>')
    .action(async (s: string, d: string, o) => (await files()).cpCommand(s, d, o));
  sub(p, 'export', '[OPTIONS] CONTAINER', "Export a container's filesystem as a tar archive", [], twin('export'))
    .option('-o, --output <string>', 'Write to a file, instead of STDOUT')
    .argument('<container>')
    .action(async (c: string, o) => (await files()).exportCommand(c, o));
  sub(p, 'diff', 'CONTAINER', "Inspect changes to files or directories on a container's filesystem", [], twin('diff'))
    .argument('<container>')
    .action(async (c: string) => (await files()).diffCommand(c));
  describeFlags(sub(p, 'commit', "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", "Create a new image from a container's changes", [], twin('commit'))
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-c, --change <list>', 'Apply Dockerfile instruction to the created image', collect)
    .option('-m, --message <string>', 'Commit message')
    .option('-p, --pause [bool]', 'Pause container during commit')
    .argument('<container>')
    .argument('[ref]')
    .action(async (c: string, r: string | undefined, o: { pause?: string | boolean }) => {
      // `-p` is a boolean in docker (`--pause=false` to turn it off); commander's optional
      // value takes the next word, so `-p ctr repo` gives the container as that value.
      if (typeof o.pause === 'string' && o.pause !== 'true' && o.pause !== 'false') {
        if (r !== undefined) throw new CommanderError(1, 'berth.commit', '"berth commit" requires at least 1 and at most 2 arguments.');
        return (await files()).commitCommand(o.pause, c, { ...o, pause: true });
      }
      return (await files()).commitCommand(c, r, o);
    }), { pause: 'true' });
}

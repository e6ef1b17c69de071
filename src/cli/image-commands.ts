// cli: the image commands (images, rmi, tag, import, build, load, save, history,
// pull, push, and `image inspect`) with docker's flags and aliases; bodies load
// lazily from commands/.
import { Option, type Command } from 'commander';
import { addBuildResourceFlags } from './build-flags.ts';

type Sub = (parent: Command, name: string, usage: string, description: string, aliases?: string[]) => Command;

const collect = (v: string, prev: string[] = []) => [...prev, v];
const c = () => import('./commands/containers.ts');
const im = () => import('./commands/images.ts');
const reg = () => import('./commands/registry.ts');

export function addImageCommands(p: Command, top: boolean, sub: Sub): void {
  const images = sub(p, top ? 'images' : 'ls', '[OPTIONS] [REPOSITORY[:TAG]]', 'List images', top ? [] : ['images', 'list'])
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-trunc', 'Don\'t truncate output')
    .option('-q, --quiet', 'Only show image IDs')
    .argument('[repository]');
  images.action(async (r: string | undefined, o) => (await im()).imagesCommand(r, o));
  sub(p, top ? 'rmi' : 'rm', '[OPTIONS] IMAGE [IMAGE...]', 'Remove one or more images', top ? [] : ['remove', 'rmi'])
    .option('-f, --force', 'Force removal of the image')
    .option('--platform <string>', 'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('--no-prune', 'Do not delete untagged parents')
    .argument('<images...>')
    .action(async (n: string[], o) => (await im()).rmiCommand(n, o));
  sub(p, 'tag', 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>').argument('<target>')
    .action(async (s: string, t: string) => (await im()).tagCommand(s, t));
  sub(p, 'import', '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]', 'Import the contents from a tarball to create a filesystem image')
    .option('-c, --change <list>', 'Apply Dockerfile instruction to the created image', collect)
    .option('-m, --message <string>', 'Set commit message for imported image')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .argument('<file>').argument('[reference]')
    .action(async (f: string, r: string | undefined, o) => (await im()).importCommand(f, r, o));
  const build = sub(p, 'build', '[OPTIONS] PATH | URL | -', 'Build an image from a Dockerfile')
    .option('-t, --tag <list>', 'Name and optionally a tag in the "name:tag" format', collect)
    .option('-f, --file <string>', 'Name of the Dockerfile (Default is "PATH/Dockerfile")')
    .option('--build-arg <list>', 'Set build-time variables', collect)
    .option('--label <list>', 'Set metadata for an image', collect)
    .option('--target <string>', 'Set the target build stage to build.')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('--iidfile <string>', 'Write the image ID to the file')
    .option('--network <string>', 'Set the networking mode for the RUN instructions during build')
    .option('--rm <bool>', 'Remove intermediate containers after a successful build (default true)')
    .option('--force-rm', 'Always remove intermediate containers')
    .option('--progress <string>', 'Set type of progress output (auto, plain, tty, quiet)')
    .option('--secret <list>', 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")', collect)
    .option('--cache-from <list>', 'Images to consider as cache sources', collect)
    .option('--ssh <list>', 'SSH agent socket to expose to the build (format: "default|<id>[=<socket>]")', collect);
  addBuildResourceFlags(build)
    .argument('<context>')
    .action(async (ctx: string, o) => (await import('./commands/build.ts')).buildCommand(ctx, { ...o, noCache: o.cache === false, rm: o.rm === undefined || o.rm === true ? true : o.rm !== 'false' }));
  sub(p, 'load', '[OPTIONS]', 'Load an image from a tar archive or STDIN')
    .option('-i, --input <string>', 'Read from tar archive file, instead of STDIN')
    .option('--platform <string>', 'Load only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (o) => (await im()).loadCommand(o));
  sub(p, 'save', '[OPTIONS] IMAGE [IMAGE...]', 'Save one or more images to a tar archive (streamed to STDOUT by default)')
    .option('-o, --output <string>', 'Write to a file, instead of STDOUT')
    .option('--platform <string>', 'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .argument('<images...>')
    .action(async (n: string[], o) => (await im()).saveCommand(n, o));
  sub(p, 'history', '[OPTIONS] IMAGE', 'Show the history of an image')
    .option('--format <string>', 'Format output using a custom template')
    .addOption(new Option('-H, --human [bool]', 'Print sizes and dates in human readable format').default(true))
    .option('--platform <string>', 'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('--no-trunc', 'Don\'t truncate output')
    .option('-q, --quiet', 'Only show image IDs')
    .argument('<image>')
    .action(async (n: string, o) => (await im()).historyCommand(n, o));
  sub(p, 'pull', '[OPTIONS] NAME[:TAG|@DIGEST]', 'Download an image from a registry')
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--disable-content-trust', 'Skip image verification')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('-q, --quiet', 'Suppress verbose output')
    .argument('<name>')
    .action(async (n: string, o) => (await reg()).pullCommand(n, o));
  sub(p, 'push', '[OPTIONS] NAME[:TAG]', 'Upload an image to a registry')
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('--disable-content-trust', 'Skip image signing')
    .option('--platform <string>', 'Push a platform-specific manifest as a single-platform image to the registry')
    .option('-q, --quiet', 'Suppress verbose output')
    .argument('<name>')
    .action(async (n: string, o) => (await reg()).pushCommand(n, o));
  if (!top) {
    sub(p, 'inspect', '[OPTIONS] IMAGE [IMAGE...]', 'Display detailed information on one or more images')
      .option('-f, --format <string>', 'Format output using a custom template')
      .argument('<names...>')
      .action(async (n: string[], o) => (await c()).inspectCommand(n, { ...o, type: 'image' }));
  }
}

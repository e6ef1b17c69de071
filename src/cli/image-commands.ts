// cli: the image commands (images, rmi, tag, import, build, load, save, history,
// pull, push, and `image inspect`) with docker's flags and aliases; bodies load
// lazily from commands/.
import { Option, type Command } from 'commander';
import type { Sub } from './berth-command.ts';
import { addBuildResourceFlags } from './build-flags.ts';
import { formatHelp, inspectFormatHelp } from './format-help.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const im = () => import('./commands/images.ts');
const reg = () => import('./commands/registry.ts');

/** docker's "aliases" annotation of an image command: its `image` path(s), then the top-level shortcut. */
const twin = (name: string, top = name, ...aliases: string[]) => ({ aliases: [`image ${name}`, ...aliases.map((a) => `image ${a}`), top] });

/** The image commands at the top level, under `image`, or (`buildOnly`) `build` under `builder`. */
export function addImageCommands(p: Command, top: boolean, sub: Sub, options: { buildOnly?: boolean } = {}): void {
  if (!options.buildOnly) addImageListCommands(p, top, sub);
  addBuildCommand(p, top, sub);
  if (!options.buildOnly) addImageTransferCommands(p, top, sub);
}

function addImageListCommands(p: Command, top: boolean, sub: Sub): void {
  const images = sub(p, top ? 'images' : 'ls', '[OPTIONS] [REPOSITORY[:TAG]]', 'List images', top ? [] : ['images', 'list'], { ...twin('ls', 'images', 'list'), ...(top ? { top: 7 } : {}) })
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', formatHelp)
    .option('--no-trunc', 'Don\'t truncate output')
    .option('-q, --quiet', 'Only show image IDs')
    .argument('[repository]');
  images.action(async (r: string | undefined, o) => (await import('./commands/image-list.ts')).imagesCommand(r, o));
  describeFlags(sub(p, top ? 'rmi' : 'rm', '[OPTIONS] IMAGE [IMAGE...]', 'Remove one or more images', top ? [] : ['remove', 'rmi'], twin('rm', 'rmi', 'remove'))
    .option('-f, --force', 'Force removal of the image')
    .option('--platform <strings>', 'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('--no-prune', 'Do not delete untagged parents')
    .argument('<images...>')
    .action(async (n: string[], o) => (await im()).rmiCommand(n, o)), { platform: { needs: { version: '1.50' } } });
  sub(p, 'tag', 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', [], twin('tag'))
    .argument('<source>').argument('<target>')
    .action(async (s: string, t: string) => (await im()).tagCommand(s, t));
  describeFlags(sub(p, 'import', '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]', 'Import the contents from a tarball to create a filesystem image', [], { ...twin('import'), args: { kind: 'min', n: 1 } })
    .option('-c, --change <list>', 'Apply Dockerfile instruction to the created image', collect)
    .option('-m, --message <string>', 'Set commit message for imported image')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .argument('<file>').argument('[reference]')
    .action(async (f: string, r: string | undefined, o) => (await im()).importCommand(f, r, o)), { platform: { needs: { version: '1.32' } } });
}

function addBuildCommand(p: Command, top: boolean, sub: Sub): void {
  const build = sub(p, 'build', '[OPTIONS] PATH | URL | -', 'Build an image from a Dockerfile', [], { aliases: ['image build', 'build', 'builder build'], ...(top ? { top: 4 } : {}) })
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
    .option('--rm <bool>', 'Remove intermediate containers after a successful build')
    .option('--force-rm', 'Always remove intermediate containers')
    // BuildKit's flags: docker hides them from the classic builder's help.
    .addOption(new Option('--progress <string>', 'Set type of progress output (auto, plain, tty, quiet)').hideHelp())
    .addOption(new Option('--secret <list>', 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")').argParser(collect).hideHelp())
    .option('--cache-from <strings>', 'Images to consider as cache sources', collect)
    .addOption(new Option('--ssh <list>', 'SSH agent socket to expose to the build (format: "default|<id>[=<socket>]")').argParser(collect).hideHelp());
  describeFlags(build, { network: { def: 'default', needs: { version: '1.25' } }, rm: 'true', 'disable-content-trust': 'true', ulimit: '[]', platform: { needs: { version: '1.38' } }, squash: { needs: { version: '1.25', experimental: true } } });
  addBuildResourceFlags(build)
    .argument('<context>')
    .action(async (ctx: string, o) => (await import('./commands/build.ts')).buildCommand(ctx, { ...o, noCache: o.cache === false, rm: o.rm === undefined || o.rm === true ? true : o.rm !== 'false' }));
}

/** The platform flags' usage text: "Load only the given platform variant. Formatted as …". */
const platformVariant = (verb: string) => `${verb} only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")`;

function addImageTransferCommands(p: Command, top: boolean, sub: Sub): void {
  describeFlags(sub(p, 'load', '[OPTIONS]', 'Load an image from a tar archive or STDIN', [], twin('load'))
    .option('-i, --input <string>', 'Read from tar archive file, instead of STDIN')
    .option('--platform <string>', platformVariant('Load'))
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (o) => (await im()).loadCommand(o)), { platform: { needs: { version: '1.48' } } });
  describeFlags(sub(p, 'save', '[OPTIONS] IMAGE [IMAGE...]', 'Save one or more images to a tar archive (streamed to STDOUT by default)', [], twin('save'))
    .option('-o, --output <string>', 'Write to a file, instead of STDOUT')
    .option('--platform <string>', platformVariant('Save'))
    .argument('<images...>')
    .action(async (n: string[], o) => (await im()).saveCommand(n, o)), { platform: { needs: { version: '1.48' } } });
  describeFlags(sub(p, 'history', '[OPTIONS] IMAGE', 'Show the history of an image', [], twin('history'))
    .option('--format <string>', formatHelp)
    .addOption(new Option('-H, --human [bool]', 'Print sizes and dates in human readable format').default(true))
    .option('--platform <string>', 'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('--no-trunc', 'Don\'t truncate output')
    .option('-q, --quiet', 'Only show image IDs')
    .argument('<image>')
    .action(async (n: string, o) => (await im()).historyCommand(n, o)), { platform: { needs: { version: '1.48' } } });
  describeFlags(sub(p, 'pull', '[OPTIONS] NAME[:TAG|@DIGEST]', 'Download an image from a registry', [], { ...twin('pull'), ...(top ? { top: 5 } : {}) })
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--disable-content-trust', 'Skip image verification')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('-q, --quiet', 'Suppress verbose output')
    .argument('<name>')
    .action(async (n: string, o) => (await reg()).pullCommand(n, o)), { 'disable-content-trust': 'true', platform: { needs: { version: '1.32' } } });
  describeFlags(sub(p, 'push', '[OPTIONS] NAME[:TAG]', 'Upload an image to a registry', [], { ...twin('push'), ...(top ? { top: 6 } : {}) })
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('--disable-content-trust', 'Skip image signing')
    .option('--platform <string>', "Push a platform-specific manifest as a single-platform image to the registry.\nImage index won't be pushed, meaning that other manifests, including attestations won't be preserved.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)")
    .option('-q, --quiet', 'Suppress verbose output')
    .argument('<name>')
    .action(async (n: string, o) => (await reg()).pushCommand(n, o)), { 'disable-content-trust': 'true', platform: { needs: { version: '1.46' } } });
  if (!top) {
    describeFlags(sub(p, 'inspect', '[OPTIONS] IMAGE [IMAGE...]', 'Display detailed information on one or more images')
      .option('-f, --format <string>', inspectFormatHelp)
      .option('--platform <string>', "Inspect a specific platform of the multi-platform image.\nIf the image or the server is not multi-platform capable, the command will error out if the platform does not match.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)")
      .argument('<names...>')
      .action(async (n: string[], o) => (await import('./commands/inspect.ts')).inspectCommand(n, { ...o, type: 'image' })), { platform: { needs: { version: '1.49' } } });
  }
}

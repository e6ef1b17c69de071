// compose/commands: `compose config` — the resolved project rendered as YAML or
// JSON, or only its service, volume or image names.
import type { Command } from 'commander';
import { renderConfig } from '../config.ts';
import type { ComposeContext } from './context.ts';

export function addConfigCommand(program: Command, ctx: ComposeContext): void {
  program.command('config').description('Parse, resolve and render compose file in canonical format')
    .option('--services', 'Print the service names, one per line.')
    .option('--volumes', 'Print the volume names, one per line.')
    .option('--images', 'Print the image names, one per line.')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything')
    .option('--format <format>', 'Format the output. Values: [yaml | json]', 'yaml')
    .action(async (o: { services?: boolean; volumes?: boolean; images?: boolean; quiet?: boolean; format: string }) => {
      const p = await ctx.project();
      if (!o.quiet) ctx.out(renderConfig(p, { ...o }));
    });
}

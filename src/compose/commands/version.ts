// compose/commands: `compose version` — the Docker Compose version berth's
// compose answers as (pretty, --short or JSON).
import type { Command } from 'commander';
import { composeVersion } from '../labels.ts';
import type { ComposeContext } from './context.ts';

export function addVersionCommand(program: Command, ctx: ComposeContext): void {
  program.command('version').description('Show the Docker Compose version information')
    .option('--short', 'Shows only Compose\'s version number')
    .option('-f, --format <format>', 'Format the output. Values: [pretty | json]', 'pretty')
    .action((o: { short?: boolean; format: string }) => {
      if (o.short) ctx.out(`${composeVersion}\n`);
      else if (o.format === 'json') ctx.out(`${JSON.stringify({ version: `v${composeVersion}` })}\n`);
      else ctx.out(`Docker Compose version v${composeVersion}\n`);
    });
}

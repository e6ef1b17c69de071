// compose/commands: `compose ls` — the compose projects the daemon knows, from
// their containers' labels, with a status per container state.
import type { Command } from 'commander';
import { L } from '../labels.ts';
import type { ComposeContext } from './context.ts';
import { table } from './text-table.ts';

export function addLsCommand(program: Command, ctx: ComposeContext): void {
  program.command('ls').description('List running compose projects')
    .option('-a, --all', 'Show all stopped Compose projects')
    .option('-q, --quiet', 'Only display project names')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .action(async (o: { all?: boolean; quiet?: boolean; format: string }) => {
      const c = await ctx.client();
      const list = await c.containerList({ all: true, filters: { label: { [L.project]: true } } });
      const projects = new Map<string, { states: Map<string, number>; files: string }>();
      for (const x of list) {
        const name = x.Labels?.[L.project] ?? '';
        const e = projects.get(name) ?? { states: new Map<string, number>(), files: x.Labels?.[L.configFiles] ?? '' };
        e.states.set(x.State ?? '', (e.states.get(x.State ?? '') ?? 0) + 1);
        projects.set(name, e);
      }
      const rows = [...projects.entries()].sort(([a], [b]) => a.localeCompare(b))
        .filter(([, e]) => o.all || e.states.has('running'))
        .map(([name, e]) => ({ Name: name, Status: [...e.states.entries()].sort().map(([s, n]) => `${s}(${n})`).join(', '), ConfigFiles: e.files }));
      if (o.quiet) { ctx.out(rows.map((r) => `${r.Name}\n`).join('')); return; }
      if (o.format === 'json') { ctx.out(`${JSON.stringify(rows)}\n`); return; }
      ctx.out(table([['NAME', 'STATUS', 'CONFIG FILES'], ...rows.map((r) => [r.Name, r.Status, r.ConfigFiles])]));
    });
}

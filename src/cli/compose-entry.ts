// cli: `berth compose …` — hands the arguments to the compose client. From the
// berth bundle it loads dist/berth-compose.cjs (so that plain `berth ps` never
// parses yaml, ajv and the compose schema); from source, and inside
// berth-compose.cjs itself, it imports src/compose/. The one file of cli/ that
// reaches compose/, through the literal import below.
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { useStdioStreams } from '../cli-kit/index.ts';

interface ComposeModule {
  composeMain(argv: readonly string[], name: string, hooks: { runCli: (argv: readonly string[]) => Promise<number> }): Promise<number>;
}

/** dist/berth-compose.cjs beside the running berth bundle; undefined from source or inside that bundle. */
function bundledCompose(): string | undefined {
  let script = process.argv[1] ?? '';
  try {
    script = realpathSync(script);
  } catch {
    return undefined;
  }
  if (!script.endsWith('.cjs')) return undefined;
  const p = join(dirname(script), 'berth-compose.cjs');
  return p !== script && existsSync(p) ? p : undefined;
}

/** compose's own entry, from source or from the bundle that carries compose (berth-compose.cjs). */
export async function composeMain(argv: readonly string[], name: string, hooks: { runCli: (argv: readonly string[]) => Promise<number> }): Promise<number> {
  // A literal import, so that tools see the edge; scripts/build.mjs keeps compose out of berth.cjs.
  const mod = (await import('../compose/index.ts')) as ComposeModule;
  return mod.composeMain(argv, name, hooks);
}

/**
 * `berth [global options] compose …` → the compose arguments, with -H/--context
 * handed on as compose's own options; undefined when the command is not compose.
 */
export function composeArgv(argv: readonly string[]): string[] | undefined {
  const handed: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === 'compose') return [...handed, ...argv.slice(i + 1)];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    if (['-H', '--host', '-c', '--context', '-l', '--log-level', '--config'].includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) return undefined;
      if (flag === '-H' || flag === '--host') handed.push('-H', value);
      else if (flag === '-c' || flag === '--context') handed.push('--context', value);
      else if (flag === '--config') process.env['DOCKER_CONFIG'] = value;
      continue;
    }
    if (a === '-D' || a === '--debug') continue;
    return undefined;
  }
  return undefined;
}

/** Runs compose's command line as `name`; runCli runs a plain berth command line for it. */
export async function runCompose(argv: readonly string[], runCli: (argv: readonly string[]) => Promise<number>, name = 'berth compose'): Promise<number> {
  // compose writes to the stdout and stderr streams itself: both are flushed before berth exits.
  useStdioStreams();
  const bundle = bundledCompose();
  if (!bundle) return composeMain(argv, name, { runCli });
  // Tells the bundle it is loaded as a library, not run as berth-compose.
  process.env['BERTH_COMPOSE_LIBRARY'] = '1';
  return (createRequire(bundle)(bundle) as ComposeModule).composeMain(argv, name, { runCli });
}

// cli: the `berth-compose` program — `berth compose` under its own name. Its
// bundle (dist/berth-compose.cjs) carries compose and doubles as the library
// `berth compose` loads (BERTH_COMPOSE_LIBRARY=1: export composeMain, run
// nothing), so that berth itself never carries yaml and ajv. Compose reaches
// the plain berth commands it runs (exec, run, push) through the hook given here.
import { err, exitWhenFlushed } from '../cli-kit/index.ts';
import { composeMain, runCompose } from './compose-entry.ts';

export { composeMain };

/** The berth command line, loaded only when compose runs a berth command. */
async function runCli(argv: readonly string[]): Promise<number> {
  return (await import('./main.ts')).main(argv);
}

if (process.env['BERTH_COMPOSE_LIBRARY'] !== '1') {
  runCompose(process.argv.slice(2), runCli, 'berth-compose').then((code) => {
    process.exitCode = code;
    exitWhenFlushed(code);
  }, (e: unknown) => {
    err(`${String(e)}\n`);
    process.exit(1);
  });
}

// compose: the `berth-compose` program — the same command line as
// `berth compose`. The bundle doubles as the library `berth compose` loads
// (BERTH_COMPOSE_LIBRARY=1), so that berth itself never carries yaml and ajv.
import { composeMain } from './cli.ts';

export { composeMain };

if (process.env['BERTH_COMPOSE_LIBRARY'] !== '1') {
  composeMain(process.argv.slice(2), 'berth-compose').then((code) => {
    process.exitCode = code;
    if (process.stdout.writableLength === 0) process.exit(code);
    else process.stdout.once('drain', () => process.exit(code));
  }, (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  });
}

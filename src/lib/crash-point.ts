// Fault injection for the crash tests (test/faults/): `BERTH_CRASH_AT=<point>`
// makes berthd SIGKILL itself when it reaches the named point, so a test can
// stop it exactly between two writes and check what a restart finds. Unset (as
// always outside those tests) it does nothing: the variable is read once, and
// a point is a string comparison against undefined.
//
// Points are `area.step` names; docs/architecture.md lists them.

import { log } from './logger.ts';

const armed = process.env['BERTH_CRASH_AT'];

/** SIGKILLs this process when BERTH_CRASH_AT names `point`; otherwise returns at once. */
export function crashPoint(point: string): void {
  if (armed === undefined || armed !== point) return;
  // The log sink writes synchronously, so the test sees this line before the process is gone.
  log.warn('BERTH_CRASH_AT reached: killing berthd', { point });
  process.kill(process.pid, 'SIGKILL');
}

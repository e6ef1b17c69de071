// Fault injection for the crash tests (test/faults/): `BERTH_CRASH_AT=<point>`
// makes berthd SIGKILL itself when it reaches the named point, so a test can
// stop it exactly between two writes and check what a restart finds. Unset (as
// always outside those tests) it does nothing: the variable is read once, and
// a point is a string comparison against undefined.
//
// Points are `area.step` names; docs/architecture.md lists them.
//
// `BERTH_HOLD_AT=<point>` with `BERTH_HOLD_FILE=<path>` makes berthd wait at a
// point (where holdPoint is called too) for as long as that file exists, its
// event loop running: a test can then do something in the window the point
// names (a garbage collection between a layer's blob and its image record)
// and let berthd go on by removing the file.

import { existsSync } from 'node:fs';
import { log } from './logger.ts';

const armed = process.env['BERTH_CRASH_AT'];
const holdAt = process.env['BERTH_HOLD_AT'];
const holdFile = process.env['BERTH_HOLD_FILE'];

/** SIGKILLs this process when BERTH_CRASH_AT names `point`; otherwise returns at once. */
export function crashPoint(point: string): void {
  if (armed === undefined || armed !== point) return;
  // The log sink writes synchronously, so the test sees this line before the process is gone.
  log.warn('BERTH_CRASH_AT reached: killing berthd', { point });
  process.kill(process.pid, 'SIGKILL');
}

/** Waits while BERTH_HOLD_FILE exists when BERTH_HOLD_AT names `point`; otherwise resolves at once. */
export async function holdPoint(point: string): Promise<void> {
  if (holdAt === undefined || holdAt !== point || holdFile === undefined) return;
  log.warn('BERTH_HOLD_AT reached: waiting for the hold file to go', { point, file: holdFile });
  while (existsSync(holdFile)) await new Promise((r) => setTimeout(r, 20));
  log.warn('BERTH_HOLD_AT released', { point });
}

// Signal names and numbers as docker accepts them (`KILL`, `SIGKILL`, `9`).
import { invalidArgument } from '../../core/errors.ts';
import { constants } from 'node:os';

const byName = constants.signals as Readonly<Record<string, number>>;

/** Normalises to `SIGNAME`; numbers map to their names. InvalidArgument for unknown signals. */
export function parseSignal(input: string): string {
  const s = input.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    const name = Object.keys(byName).find((k) => byName[k] === n);
    if (name === undefined || n === 0) throw invalidArgument(`Invalid signal: ${input}`);
    return name;
  }
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  if (byName[name] === undefined) throw invalidArgument(`Invalid signal: ${input}`);
  return name;
}

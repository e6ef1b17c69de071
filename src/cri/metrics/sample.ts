// One value a collector read, before labels are put on it: the metric's name,
// its value and the label values past the base ones (device, interface, …),
// in the order of the descriptor's extra keys. Also the small file readers
// the collectors share: a file that is not there reads as undefined, so a
// value the host does not expose is left out (as cAdvisor leaves it).
import { readFile, readdir } from 'node:fs/promises';

export interface Sample {
  readonly name: string;
  readonly value: bigint;
  readonly extra?: readonly string[];
}

export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/** A sample when the value was read; nothing when it was not. */
export function sampleOf(name: string, value: bigint | undefined, extra?: readonly string[]): Sample[] {
  if (value === undefined) return [];
  return [extra === undefined ? { name, value } : { name, value, extra }];
}

export const nanosPerSecond = 1_000_000_000n;
export const microsPerSecond = 1_000_000n;

/** Usage less the inactive file pages (cAdvisor's and containerd's working set), never below zero. */
export function workingSetOf(usage: bigint | undefined, inactiveFile: bigint | undefined): bigint | undefined {
  if (usage === undefined) return undefined;
  if (inactiveFile === undefined) return usage;
  return inactiveFile < usage ? usage - inactiveFile : 0n;
}

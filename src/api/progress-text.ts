// docker's progress text for JSON messages: `[=====>      ]  1.23MB/4.56MB`
// (jsonmessage.JSONProgress.String, with units.HumanSize's decimal units).
// berth has always sent three significant digits here; dockerd's HumanSize
// uses four (`2.814MB`) and draws the arrow head at 100% too. Kept as is in
// the boundaries refactor (no change on the wire); see issue 12's notes.
import { humanSizeWithPrecision } from '../lib/go-units.ts';

/** The size text of the bar: decimal units, three significant digits. */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 3);
}

/** The bar and counts docker sends as `progress`. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return `${humanSize(current)}`;
  const width = 50;
  const pct = Math.min(1, current / total);
  const filled = Math.floor(pct * width);
  const bar = filled >= width ? '='.repeat(width) : '='.repeat(filled) + '>' + ' '.repeat(width - filled - 1);
  const counts = `${humanSize(current)}/${humanSize(total)}`;
  return `[${bar}] ${counts.padStart(18)}`;
}

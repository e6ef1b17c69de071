// docker's progress text for JSON messages: `[=====>      ]  1.23MB/4.56MB`
// (jsonmessage.JSONProgress.String, with units.HumanSize's decimal units).

/** units.HumanSize: 3 significant digits, decimal units (kB, MB, GB). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
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

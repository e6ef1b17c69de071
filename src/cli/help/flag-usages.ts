// cli/help: the "Options:" block of a help text, laid out as spf13/pflag's
// FlagSet.FlagUsagesWrapped does (the docker CLI's help): `  -d, --detach` or
// `      --name string`, the description column after the longest left part,
// descriptions wrapped with pflag's wrap/wrapN rules. pflag measures and cuts
// in bytes, so the text is handled as one byte per char ("latin1" of the UTF-8).

export interface FlagUsage {
  /** Long name, without the dashes. */
  readonly name: string;
  /** One letter, or undefined. */
  readonly shorthand?: string | undefined;
  /** The value's type word ("string", "list", "bytes", …); '' for a bool flag. */
  readonly varname: string;
  readonly usage: string;
  /** pflag's DefValue when it is not the type's zero value (shown as "(default …)"). */
  readonly defValue?: string | undefined;
  /** The value's pflag Type(): "string" defaults are quoted, "bool" hides a NoOptDefVal of "true". */
  readonly type: string;
  readonly noOptDefVal?: string | undefined;
  readonly deprecated?: string | undefined;
}

const toBytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const fromBytes = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

/** Go's %q for the plain strings flag defaults are (JSON's quoting agrees on them). */
const goQuote = (s: string) => JSON.stringify(s);

/**
 * Splits `s` on whitespace into a first part of up to `i` bytes and the rest;
 * goes `slop` over `i` when that takes in the whole string (pflag's wrapN).
 */
function wrapN(i: number, slop: number, s: string): [string, string] {
  if (i + slop > s.length) return [s, ''];
  const head = s.slice(0, i);
  const w = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (w <= 0) return [s, ''];
  const nl = head.lastIndexOf('\n');
  if (nl > 0 && nl < w) return [s.slice(0, nl), s.slice(nl + 1)];
  return [s.slice(0, w), s.slice(w + 1)];
}

/** Wraps `s` to width `w` with indent `i`; the first line is not indented (pflag's wrap). */
function wrap(i: number, w: number, s: string): string {
  if (w === 0) return s.replaceAll('\n', '\n' + ' '.repeat(i));
  let width = w - i;
  let r = '';
  if (width < 24) {
    i = 16;
    width = w - i;
    r += '\n' + ' '.repeat(i);
  }
  if (width < 24) return s.replaceAll('\n', r);
  const slop = 5;
  width -= slop;
  let line: string;
  [line, s] = wrapN(width, slop, s);
  r += line.replaceAll('\n', '\n' + ' '.repeat(i));
  while (s !== '') {
    [line, s] = wrapN(width, slop, s);
    r += '\n' + ' '.repeat(i) + line.replaceAll('\n', '\n' + ' '.repeat(i));
  }
  return r;
}

/** The flags' usage lines as pflag prints them for `cols` columns (0: no wrapping), sorted by name. */
export function flagUsagesWrapped(flags: readonly FlagUsage[], cols: number): string {
  const sorted = [...flags].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [];
  let maxlen = 0;
  for (const flag of sorted) {
    let line = flag.shorthand ? `  -${flag.shorthand}, --${flag.name}` : `      --${flag.name}`;
    if (flag.varname !== '') line += ' ' + flag.varname;
    if (flag.noOptDefVal !== undefined && flag.noOptDefVal !== '') {
      if (flag.type === 'string') line += `[="${flag.noOptDefVal}"]`;
      else if (flag.type === 'bool') { if (flag.noOptDefVal !== 'true') line += `[=${flag.noOptDefVal}]`; }
      else if (flag.type === 'count') { if (flag.noOptDefVal !== '+1') line += `[=${flag.noOptDefVal}]`; }
      else line += `[=${flag.noOptDefVal}]`;
    }
    line = toBytes(line) + '\x00';
    if (line.length > maxlen) maxlen = line.length;
    line += toBytes(flag.usage);
    if (flag.defValue !== undefined) {
      line += toBytes(flag.type === 'string' ? ` (default ${goQuote(flag.defValue)})` : ` (default ${flag.defValue})`);
    }
    if (flag.deprecated) line += toBytes(` (DEPRECATED: ${flag.deprecated})`);
    lines.push(line);
  }
  let out = '';
  for (const line of lines) {
    const sidx = line.indexOf('\x00');
    const spacing = ' '.repeat(maxlen - sidx);
    // Go's Fprintln puts a space between its operands.
    out += `${line.slice(0, sidx)} ${spacing} ${wrap(maxlen + 2, cols, line.slice(sidx + 1))}\n`;
  }
  return fromBytes(out);
}

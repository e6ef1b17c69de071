// compose: splitting a command string into words as a POSIX shell would
// (quotes and backslashes, no expansion), for `command: echo "a b"`.
import { invalidArgument } from '../core/errors.ts';

export function splitShellWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (quote === "'") { if (ch === "'") quote = undefined; else cur += ch; continue; }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1] as string)) cur += s[++i];
      else cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') { quote = ch; inWord = true; continue; }
    if (ch === '\\' && i + 1 < s.length) { cur += s[++i]; inWord = true; continue; }
    if (/\s/.test(ch)) { if (inWord) words.push(cur); cur = ''; inWord = false; continue; }
    cur += ch;
    inWord = true;
  }
  if (quote) throw invalidArgument(`invalid command line string: unterminated quote in ${JSON.stringify(s)}`);
  if (inWord) words.push(cur);
  return words;
}

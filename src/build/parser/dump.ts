// The S-expression dump of a parsed Dockerfile, exactly as BuildKit's
// Node.Dump prints it (`(copy ["--from=a"] "x" "/y")`); used by tests and
// handy for debugging a parse.
import type { Node, ParseResult } from './ast.ts';
import { goQuote } from './go-strings.ts';

/** One instruction, without the surrounding parentheses. */
export function dumpNode(node: Node): string {
  let str = node.value.toLowerCase();
  if (node.flags.length > 0) str += ` [${node.flags.map(goQuote).join(' ')}]`;
  for (const word of node.next) str += ' ' + goQuote(word);
  if (node.onbuild !== undefined) str += ` (${dumpNode(node.onbuild)})`;
  return str.trim();
}

/** The whole file, one `(instruction ...)` line each, as in BuildKit's testfiles `result`. */
export function dumpResult(result: ParseResult): string {
  return result.children.map((n) => `(${dumpNode(n)})\n`).join('');
}

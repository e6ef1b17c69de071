// What each typed instruction parser gets: the node, its command word, its
// arguments, its flags (checked as the parser declares them) and its JSON form.
import type { Node } from './ast.ts';
import type { Flags } from './flags.ts';

export interface Request {
  readonly node: Node;
  readonly command: string;
  readonly args: string[];
  readonly flags: Flags;
  readonly json: boolean;
  readonly base: { startLine: number; endLine: number; original: string };
}

/** BuildKit's handleJSONArgs: the JSON form's words, or the shell form as one string. */
export function handleJSONArgs(args: readonly string[], json: boolean): string[] {
  if (args.length === 0) return [];
  if (json) return [...args];
  return [args.join(' ')];
}

// Parse errors: an internal ParseFailure carries BuildKit's message and the
// line; at the public surface it becomes a core InvalidArgument whose message
// names the file and line the way `docker build` prints them:
// `Dockerfile:12: unknown instruction: FOM`.
import { invalidArgument, type BerthError } from '../../core/index.ts';

export class ParseFailure extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** The public error for a Dockerfile problem at a line (0 = no line). */
export function dockerfileError(file: string, line: number, message: string): BerthError {
  const err = invalidArgument(line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`);
  Object.defineProperty(err, 'dockerfileLine', { value: line, enumerable: false });
  Object.defineProperty(err, 'dockerfileReason', { value: message, enumerable: false });
  return err;
}

/** BuildKit's bare message and line of an error thrown by the parser, if it is one. */
export function dockerfileErrorDetail(err: unknown): { line: number; reason: string } | undefined {
  if (typeof err !== 'object' || err === null || !('dockerfileReason' in err)) return undefined;
  const e = err as { dockerfileLine: number; dockerfileReason: string };
  return { line: e.dockerfileLine, reason: e.dockerfileReason };
}

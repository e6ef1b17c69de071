// build/parser: the Dockerfile parser's public surface.
//   parseDockerfile(text)      → the raw node tree (BuildKit's parser.Parse)
//   parseInstructions(text)    → stages and typed commands (BuildKit's instructions.Parse)
//   expandWord / expandWords   → variable substitution (BuildKit's shell.Lex)
// Every error is a core InvalidArgument whose message names the line, e.g.
// `Dockerfile:12: unknown instruction: FOM`.
export type * from './ast.ts';
export { parseDockerfile } from './parse-dockerfile.ts';
export type { ParseOptions } from './parse-dockerfile.ts';
export { parseInstructions } from './instructions.ts';
export type { InstructionsOptions } from './instructions.ts';
export { expandWord, expandWords } from './shell-lex.ts';
export { parseHeredoc } from './parse-dockerfile.ts';
export { dumpNode, dumpResult } from './dump.ts';
export { dockerfileErrorDetail } from './errors.ts';
export type { ExpandEnv, ExpandOptions } from './shell-lex.ts';

// The typed instruction layer: raw Node tree → stages and typed commands, as
// BuildKit's instructions.Parse does it (flag checking, argument counts,
// heredoc sources, RUN --mount/--network/--security, lint remarks). Words are
// left unexpanded; the executor expands them with the stage's ARG/ENV values.
import type {
  AddCommand, ArgCommand, ArgPair, Command, CommandLine, CopyCommand, HeredocFile,
  Instructions, KeyValuePair, LintWarning, Node, ParseResult, RunCommand, SourceContent, Stage,
} from './ast.ts';
import { parseDockerfile, parseHeredoc } from './parse-dockerfile.ts';
import { dockerfileError, ParseFailure } from './errors.ts';
import { Flags } from './flags.ts';
import { parseMount } from './run-mount.ts';
import { goQuote } from './go-strings.ts';
import { handleJSONArgs, type Request } from './instruction-request.ts';
import { parseHealthcheck } from './healthcheck-instruction.ts';

export interface InstructionsOptions {
  /** The file name used in error messages (default `Dockerfile`). */
  readonly file?: string;
}

const instructionNames = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK',
  'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
] as const;

const validStageName = /^[a-z][a-z0-9-_.]*$/;

/**
 * Parses a Dockerfile (text, or the result of parseDockerfile) into stages.
 * Throws InvalidArgument naming the line (`Dockerfile:4: unknown flag: --user`).
 */
export function parseInstructions(input: string | ParseResult, options: InstructionsOptions = {}): Instructions {
  const file = options.file ?? 'Dockerfile';
  const ast = typeof input === 'string' ? parseDockerfile(input, { file }) : input;
  const lint: LintWarning[] = [];
  const metaArgs: ArgCommand[] = [];
  const stages: Array<{ stage: Omit<Stage, 'commands' | 'endLine'>; commands: Command[]; endLine: number }> = [];
  for (const node of ast.children) {
    let parsed: Command | Omit<Stage, 'commands' | 'endLine'>;
    try {
      parsed = parseNode(node, lint);
    } catch (err) {
      if (err instanceof ParseFailure) throw dockerfileError(file, node.startLine, err.message);
      throw err;
    }
    if ('kind' in parsed) {
      if (stages.length === 0) {
        if (parsed.kind === 'ARG') {
          metaArgs.push(parsed);
          continue;
        }
        throw dockerfileError(file, node.startLine, 'no build stage in current context');
      }
      const current = stages[stages.length - 1] as (typeof stages)[number];
      current.commands.push(parsed);
      current.endLine = node.endLine;
    } else {
      stages.push({ stage: parsed, commands: [], endLine: node.endLine });
    }
  }
  return {
    metaArgs,
    stages: stages.map((s) => ({ ...s.stage, commands: s.commands, endLine: s.endLine })),
    directives: ast.directives,
    lint,
  };
}

function nodeArgs(node: Node): string[] {
  const out = [...node.next];
  if (node.onbuild !== undefined) out.push(node.onbuild.value, ...nodeArgs(node.onbuild));
  return out;
}

function parseNode(node: Node, lint: LintWarning[]): Command | Omit<Stage, 'commands' | 'endLine'> {
  const req: Request = {
    node,
    command: node.value,
    args: nodeArgs(node),
    flags: new Flags(node.flags),
    json: node.attributes.json === true,
    base: { startLine: node.startLine, endLine: node.endLine, original: node.original },
  };
  switch (node.value.toLowerCase()) {
    case 'env': {
      req.flags.parse();
      return { kind: 'ENV', ...req.base, env: parseKvps(req.args, 'ENV') };
    }
    case 'maintainer': {
      lint.push({ rule: 'MaintainerDeprecated', line: node.startLine, message: 'Maintainer instruction is deprecated in favor of using label' });
      if (req.args.length !== 1) throw new ParseFailure('MAINTAINER requires exactly one argument', 0);
      req.flags.parse();
      return { kind: 'MAINTAINER', ...req.base, maintainer: req.args[0] as string };
    }
    case 'label': {
      req.flags.parse();
      return { kind: 'LABEL', ...req.base, labels: parseKvps(req.args, 'LABEL') };
    }
    case 'add':
      return parseAdd(req);
    case 'copy':
      return parseCopy(req);
    case 'from':
      return parseFrom(req, lint);
    case 'onbuild':
      return parseOnbuild(req);
    case 'workdir': {
      if (req.args.length !== 1) throw new ParseFailure('WORKDIR requires exactly one argument', 0);
      req.flags.parse();
      return { kind: 'WORKDIR', ...req.base, path: req.args[0] as string };
    }
    case 'run':
      return parseRun(req);
    case 'cmd': {
      req.flags.parse();
      return { kind: 'CMD', ...req.base, ...commandLine(req) };
    }
    case 'entrypoint': {
      req.flags.parse();
      return { kind: 'ENTRYPOINT', ...req.base, ...commandLine(req) };
    }
    case 'healthcheck':
      return parseHealthcheck(req);
    case 'expose': {
      if (req.args.length === 0) throw new ParseFailure('EXPOSE requires at least one argument', 0);
      req.flags.parse();
      return { kind: 'EXPOSE', ...req.base, ports: [...req.args].sort(byteOrder) };
    }
    case 'user': {
      if (req.args.length !== 1) throw new ParseFailure('USER requires exactly one argument', 0);
      req.flags.parse();
      return { kind: 'USER', ...req.base, user: req.args[0] as string };
    }
    case 'volume': {
      if (req.args.length === 0) throw new ParseFailure('VOLUME requires at least one argument', 0);
      req.flags.parse();
      const volumes = req.args.map((v) => v.trim());
      if (volumes.some((v) => v === '')) throw new ParseFailure('VOLUME specified can not be an empty string', 0);
      return { kind: 'VOLUME', ...req.base, volumes };
    }
    case 'stopsignal': {
      if (req.args.length !== 1) throw new ParseFailure('STOPSIGNAL requires exactly one argument', 0);
      return { kind: 'STOPSIGNAL', ...req.base, signal: req.args[0] as string };
    }
    case 'arg':
      return parseArg(req);
    case 'shell': {
      req.flags.parse();
      const shell = handleJSONArgs(req.args, req.json);
      if (shell.length === 0) throw new ParseFailure('SHELL requires at least one argument', 0);
      if (!req.json) throw new ParseFailure(`SHELL requires the arguments to be in JSON form`, 0);
      return { kind: 'SHELL', ...req.base, shell };
    }
  }
  throw new ParseFailure(suggest(`unknown instruction: ${node.value}`, node.value), 0);
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function parseKvps(args: readonly string[], name: string): KeyValuePair[] {
  if (args.length === 0) throw new ParseFailure(`${name} requires at least one argument`, 0);
  if (args.length % 3 !== 0) throw new ParseFailure(`Bad input to ${name}, too many arguments`, 0);
  const out: KeyValuePair[] = [];
  for (let i = 0; i < args.length; i += 3) {
    const key = args[i] as string;
    if (key.length === 0) throw new ParseFailure(`${name} names can not be blank`, 0);
    out.push({ key, value: args[i + 1] as string, noDelim: args[i + 2] === '' });
  }
  return out;
}

function commandLine(req: Request): CommandLine {
  const files: HeredocFile[] = req.node.heredocs.map((h) => ({ name: h.name, data: h.content, expand: h.expand, chomp: h.chomp }));
  return { cmdLine: handleJSONArgs(req.args, req.json), prependShell: !req.json, files };
}

function sourcesAndDest(req: Request, command: string): { sources: string[]; sourceContents: SourceContent[]; dest: string } {
  const srcs = req.args.slice(0, -1);
  const dest = req.args[req.args.length - 1] as string;
  if (parseHeredoc(dest) !== undefined) throw new ParseFailure(`${command} cannot accept a heredoc as a destination`, 0);
  const byName = new Map(req.node.heredocs.map((h) => [h.name, h]));
  const sources: string[] = [];
  const sourceContents: SourceContent[] = [];
  for (const src of srcs) {
    const h = parseHeredoc(src);
    if (h === undefined) {
      sources.push(src);
      continue;
    }
    let data = byName.get(h.name)?.content ?? '';
    if (h.chomp) data = data.replace(/^\t+/gm, '');
    sourceContents.push({ path: h.name, data, expand: h.expand });
  }
  return { sources, sourceContents, dest };
}

function parseAdd(req: Request): AddCommand {
  if (req.args.length < 2) {
    throw new ParseFailure('ADD requires at least two arguments, but only one was provided. Destination could not be determined', 0);
  }
  const exclude = req.flags.addStrings('exclude');
  const chown = req.flags.addString('chown', '');
  const chmod = req.flags.addString('chmod', '');
  const link = req.flags.addBool('link', false);
  const keepGitDir = req.flags.addBool('keep-git-dir', false);
  const checksum = req.flags.addString('checksum', '');
  const unpack = req.flags.addBool('unpack', false);
  req.flags.parse();
  return {
    kind: 'ADD',
    ...req.base,
    ...sourcesAndDest(req, 'ADD'),
    chown: chown.value,
    chmod: chmod.value,
    link: link.value === 'true',
    exclude: exclude.values,
    ...(keepGitDir.used ? { keepGitDir: keepGitDir.value === 'true' } : {}),
    checksum: checksum.value,
    ...(unpack.used ? { unpack: unpack.value === 'true' } : {}),
  };
}

function parseCopy(req: Request): CopyCommand {
  if (req.args.length < 2) {
    throw new ParseFailure('COPY requires at least two arguments, but only one was provided. Destination could not be determined', 0);
  }
  const exclude = req.flags.addStrings('exclude');
  const parents = req.flags.addBool('parents', false);
  const chown = req.flags.addString('chown', '');
  const from = req.flags.addString('from', '');
  const chmod = req.flags.addString('chmod', '');
  const link = req.flags.addBool('link', false);
  req.flags.parse();
  return {
    kind: 'COPY',
    ...req.base,
    ...sourcesAndDest(req, 'COPY'),
    from: from.value,
    chown: chown.value,
    chmod: chmod.value,
    link: link.value === 'true',
    exclude: exclude.values,
    parents: parents.value === 'true',
  };
}

function parseFrom(req: Request, lint: LintWarning[]): Omit<Stage, 'commands' | 'endLine'> {
  const args = req.args;
  const line = req.node.startLine;
  if (args.length === 3 && args[2] !== (args[2] as string).toLowerCase()) {
    lint.push({ rule: 'StageNameCasing', line, message: `Stage name '${args[2] as string}' should be lowercase` });
  }
  if (!fromCaseMatchesAsCase(req)) {
    lint.push({ rule: 'FromAsCasing', line, message: `'${args[1] as string}' and '${req.command}' keywords' casing do not match` });
  }
  let name = '';
  if (args.length === 3 && (args[1] as string).toLowerCase() === 'as') {
    name = (args[2] as string).toLowerCase();
    if (!validStageName.test(name)) {
      throw new ParseFailure(`invalid name for build stage: ${goQuote(args[2] as string)}, name can't start with a number or contain symbols`, 0);
    }
  } else if (args.length !== 1) {
    throw new ParseFailure('FROM requires either one or three arguments', 0);
  }
  const platform = req.flags.addString('platform', '');
  req.flags.parse();
  return {
    name,
    baseName: args[0] as string,
    platform: platform.value,
    docComment: getComment(req.node.prevComment, name),
    origCmd: req.command,
    startLine: req.node.startLine,
  };
}

function fromCaseMatchesAsCase(req: Request): boolean {
  if (req.args.length < 3) return true;
  const lower = req.command === req.command.toLowerCase();
  const upper = req.command === req.command.toUpperCase();
  if (!lower && !upper) return true;
  const as = req.args[1] as string;
  return lower ? as === as.toLowerCase() : as === as.toUpperCase();
}

function getComment(comments: readonly string[], name: string): string {
  if (name === '') return '';
  for (const line of comments) {
    if (line.startsWith(name + ' ')) return line.slice(name.length + 1);
  }
  return '';
}

function parseOnbuild(req: Request): Command {
  if (req.args.length === 0) throw new ParseFailure('ONBUILD requires at least one argument', 0);
  req.flags.parse();
  const trigger = (req.args[0] as string).trim().toUpperCase();
  if (trigger === 'ONBUILD') throw new ParseFailure("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", 0);
  if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new ParseFailure(`${trigger} isn't allowed as an ONBUILD trigger`, 0);
  let expression = req.node.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of req.node.heredocs) expression += '\n' + h.content + h.name;
  return { kind: 'ONBUILD', ...req.base, expression };
}

function parseRun(req: Request): RunCommand {
  const mountFlag = req.flags.addStrings('mount');
  const networkFlag = req.flags.addString('network', 'default');
  const securityFlag = req.flags.addString('security', 'sandbox');
  req.flags.parse();
  const flagsUsed = req.flags.used();
  const network = networkFlag.value;
  if (network !== 'default' && network !== 'none' && network !== 'host') {
    throw new ParseFailure(`unsupported network mode ${goQuote(network)}`, 0);
  }
  const security = securityFlag.value;
  if (security !== 'sandbox' && security !== 'insecure') {
    throw new ParseFailure(`unsupported security mode ${goQuote(security)}`, 0);
  }
  const mounts = mountFlag.values.map((v) => parseMount(v));
  const { cmdLine, prependShell, files } = commandLine(req);
  return { kind: 'RUN', ...req.base, cmdLine, prependShell, files, mounts, network, security, flagsUsed };
}

function parseArg(req: Request): ArgCommand {
  if (req.args.length < 1) throw new ParseFailure('ARG requires at least one argument', 0);
  const args: ArgPair[] = req.args.map((arg) => {
    const i = arg.indexOf('=');
    if (i < 0) return { key: arg, docComment: getComment(req.node.prevComment, arg) };
    const key = arg.slice(0, i);
    if (key.length === 0) throw new ParseFailure('ARG names can not be blank', 0);
    return { key, value: arg.slice(i + 1), docComment: getComment(req.node.prevComment, key) };
  });
  return { kind: 'ARG', ...req.base, args };
}

/** BuildKit's suggest.WrapError: append "(did you mean X?)" for a near miss. */
function suggest(message: string, value: string): string {
  const val = value.toLowerCase();
  let match = '';
  let minDist = 3;
  for (const opt of instructionNames) {
    const o = opt.toLowerCase();
    if (o === val) return message;
    const d = levenshtein(val, o);
    if (d < minDist) {
      match = value === value.toLowerCase() ? o : value === value.toUpperCase() ? o.toUpperCase() : o;
      minDist = d;
    }
  }
  return match === '' ? message : `${message} (did you mean ${match}?)`;
}

function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[y.length] as number;
}

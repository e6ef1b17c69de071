// The Dockerfile syntax tree, in two layers that mirror BuildKit's:
//   1. the raw node tree (BuildKit's `parser.Node`): one Node per instruction,
//      its words, flags, heredocs and source lines, nothing interpreted;
//   2. the typed instruction layer (BuildKit's `instructions` package): stages
//      with typed commands, produced from the raw tree by parseInstructions().
// Words in the typed layer are NOT variable-expanded; the executor expands them
// with expandWord()/expandWords() against the stage's ARG/ENV values.

// ---------------------------------------------------------------------------
// Raw layer

/** A heredoc body attached to an instruction (`<<EOF`, `<<-EOF`, `<<"EOF"`). */
export interface Heredoc {
  /** The delimiter word without quotes, e.g. `EOF`. */
  readonly name: string;
  /** The file descriptor before `<<` (`3<<EOF`), 0 when none. */
  readonly fileDescriptor: number;
  /** False when the delimiter was quoted: the body is taken literally. */
  readonly expand: boolean;
  /** True for `<<-`: leading tabs are stripped from each body line. */
  readonly chomp: boolean;
  /** The body as written, each line ending in "\n" (tabs NOT stripped; see chomp). */
  readonly content: string;
}

/** The parser directives read from the top of the file. */
export interface Directives {
  /** `# escape=` value: '\\' (default) or '`'. */
  readonly escape: '\\' | '`';
  /** `# syntax=` value when present. */
  readonly syntax?: string;
  /** `# check=` value when present (e.g. `skip=all;error=true`). */
  readonly check?: string;
}

/**
 * One instruction as written. `value` is the instruction keyword upper-cased
 * as written (`FROM`, `RUN`…); `next` are its argument words after the
 * instruction-specific split (JSON array, key/value pairs, whitespace, or the
 * whole rest of line for shell form). For ONBUILD, `onbuild` holds the nested
 * instruction and `next` is empty.
 */
export interface Node {
  readonly value: string;
  /** The full instruction text, continuation lines joined, comments removed. */
  readonly original: string;
  /** `--name=value` flags that preceded the arguments, as written. */
  readonly flags: readonly string[];
  readonly next: readonly string[];
  /** The nested instruction of `ONBUILD <instruction>`. */
  readonly onbuild?: Node;
  readonly heredocs: readonly Heredoc[];
  /** `json: true` when the arguments were written as a JSON array. */
  readonly attributes: { readonly json?: boolean };
  /** 1-based first and last source line (0 for a node nested in ONBUILD). */
  readonly startLine: number;
  readonly endLine: number;
  /** The comment lines (without `#`) immediately above the instruction. */
  readonly prevComment: readonly string[];
}

/** What parseDockerfile() returns: BuildKit's `parser.Result`. */
export interface ParseResult {
  readonly children: readonly Node[];
  readonly escapeToken: '\\' | '`';
  readonly directives: Directives;
  /** Non-fatal remarks, e.g. "Empty continuation line found in: RUN …". */
  readonly warnings: readonly string[];
}

// ---------------------------------------------------------------------------
// Typed layer

export interface KeyValuePair {
  readonly key: string;
  readonly value: string;
  /** True for the legacy `ENV key value` form (no `=`). */
  readonly noDelim: boolean;
}

export interface ArgPair {
  readonly key: string;
  /** Undefined for `ARG name` without a default. */
  readonly value?: string;
  /** The comment above the ARG line, as BuildKit records it. */
  readonly docComment: string;
}

/** A heredoc used as RUN input or as COPY/ADD content. */
export interface HeredocFile {
  readonly name: string;
  readonly data: string;
  readonly expand: boolean;
  readonly chomp: boolean;
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';

/** A `RUN --mount=...` flag, parsed but not expanded. */
export interface Mount {
  readonly type: MountType;
  /** `from=` stage name or image ('' = the build context / empty). */
  readonly from: string;
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** tmpfs `size=` in bytes, 0 = unlimited. */
  readonly sizeLimit: number;
  readonly cacheId: string;
  /** cache `sharing=`: '' (shared), 'shared', 'private' or 'locked'. */
  readonly cacheSharing: '' | 'shared' | 'private' | 'locked';
  /** secret/ssh `required=`. */
  readonly required: boolean;
  /** secret `env=` name. */
  readonly env?: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** Shell form (`prependShell: true`, one string) or exec form (JSON array). */
export interface CommandLine {
  readonly cmdLine: readonly string[];
  readonly prependShell: boolean;
  /** Heredocs used as the command's input files (RUN <<EOF). */
  readonly files: readonly HeredocFile[];
}

interface CommandBase {
  /** 1-based first source line, for error messages ("Dockerfile:12: ..."). */
  readonly startLine: number;
  readonly endLine: number;
  /** The instruction text as written (Node.original). */
  readonly original: string;
}

export interface RunCommand extends CommandBase, CommandLine {
  readonly kind: 'RUN';
  readonly mounts: readonly Mount[];
  /** `--network=`: 'default' unless given ('none' | 'host'). */
  readonly network: 'default' | 'none' | 'host';
  /** `--security=`: 'sandbox' unless given ('insecure'). */
  readonly security: 'sandbox' | 'insecure';
  /** The flag names used (`mount`, `network`, `security`), in BuildKit's order. */
  readonly flagsUsed: readonly string[];
}

export interface CmdCommand extends CommandBase, CommandLine {
  readonly kind: 'CMD';
}

export interface EntrypointCommand extends CommandBase, CommandLine {
  readonly kind: 'ENTRYPOINT';
}

export interface SourceContent {
  /** The heredoc delimiter; the file name written is the destination path. */
  readonly path: string;
  readonly data: string;
  readonly expand: boolean;
}

interface CopyAddCommon {
  readonly sources: readonly string[];
  /** Inline heredoc sources (`COPY <<EOF /dest`). */
  readonly sourceContents: readonly SourceContent[];
  readonly dest: string;
  readonly chown: string;
  readonly chmod: string;
  readonly link: boolean;
  readonly exclude: readonly string[];
}

export interface CopyCommand extends CommandBase, CopyAddCommon {
  readonly kind: 'COPY';
  /** `--from=` stage name, index or image ('' = build context). */
  readonly from: string;
  readonly parents: boolean;
}

export interface AddCommand extends CommandBase, CopyAddCommon {
  readonly kind: 'ADD';
  /** `--keep-git-dir=`: undefined when not given. */
  readonly keepGitDir?: boolean;
  readonly checksum: string;
  /** `--unpack=`: undefined when not given. */
  readonly unpack?: boolean;
}

export interface EnvCommand extends CommandBase {
  readonly kind: 'ENV';
  readonly env: readonly KeyValuePair[];
}

export interface LabelCommand extends CommandBase {
  readonly kind: 'LABEL';
  readonly labels: readonly KeyValuePair[];
}

export interface ArgCommand extends CommandBase {
  readonly kind: 'ARG';
  readonly args: readonly ArgPair[];
}

export interface ExposeCommand extends CommandBase {
  readonly kind: 'EXPOSE';
  readonly ports: readonly string[];
}

export interface WorkdirCommand extends CommandBase {
  readonly kind: 'WORKDIR';
  readonly path: string;
}

export interface UserCommand extends CommandBase {
  readonly kind: 'USER';
  readonly user: string;
}

export interface VolumeCommand extends CommandBase {
  readonly kind: 'VOLUME';
  readonly volumes: readonly string[];
}

export interface ShellCommand extends CommandBase {
  readonly kind: 'SHELL';
  readonly shell: readonly string[];
}

export interface StopSignalCommand extends CommandBase {
  readonly kind: 'STOPSIGNAL';
  readonly signal: string;
}

/** HEALTHCHECK; durations are nanoseconds (0 = not set), as in Docker's config. */
export interface HealthcheckCommand extends CommandBase {
  readonly kind: 'HEALTHCHECK';
  /** ['NONE'], ['CMD', ...argv] or ['CMD-SHELL', line]. */
  readonly test: readonly string[];
  readonly interval: number;
  readonly timeout: number;
  readonly startPeriod: number;
  readonly startInterval: number;
  readonly retries: number;
}

export interface OnbuildCommand extends CommandBase {
  readonly kind: 'ONBUILD';
  /** The trigger instruction text, e.g. `RUN echo hi`. */
  readonly expression: string;
}

export interface MaintainerCommand extends CommandBase {
  readonly kind: 'MAINTAINER';
  readonly maintainer: string;
}

export type Command =
  | RunCommand
  | CmdCommand
  | EntrypointCommand
  | CopyCommand
  | AddCommand
  | EnvCommand
  | LabelCommand
  | ArgCommand
  | ExposeCommand
  | WorkdirCommand
  | UserCommand
  | VolumeCommand
  | ShellCommand
  | StopSignalCommand
  | HealthcheckCommand
  | OnbuildCommand
  | MaintainerCommand;

export type CommandKind = Command['kind'];

/** One `FROM` and the commands up to the next `FROM`. */
export interface Stage {
  /** The `AS name`, lower-cased ('' when unnamed). */
  readonly name: string;
  /** The image reference as written (not expanded): `debian:bookworm`, `scratch`, `$BASE`. */
  readonly baseName: string;
  /** `--platform=` as written ('' when not given). */
  readonly platform: string;
  /** The comment above FROM, as BuildKit records it. */
  readonly docComment: string;
  /** The keyword as written (`FROM`, `from`). */
  readonly origCmd: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly commands: readonly Command[];
}

/** A lint remark in BuildKit's rule vocabulary (FromAsCasing, MaintainerDeprecated…). */
export interface LintWarning {
  readonly rule: string;
  readonly line: number;
  readonly message: string;
}

/** What parseInstructions() returns. */
export interface Instructions {
  /** ARG instructions before the first FROM. */
  readonly metaArgs: readonly ArgCommand[];
  readonly stages: readonly Stage[];
  readonly directives: Directives;
  readonly lint: readonly LintWarning[];
}

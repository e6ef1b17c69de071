// cli: `--log-driver` and `--log-opt k=v` of `run`/`create` into
// HostConfig.LogConfig (berth rotates the log by `max-size`/`max-file`).
export interface LoggingFlags {
  logDriver?: string;
  logOpt?: string[];
}

export function logConfigBody(flags: LoggingFlags): { LogConfig?: { Type: string; Config: Record<string, string> } } {
  if (flags.logDriver === undefined && (flags.logOpt ?? []).length === 0) return {};
  const config: Record<string, string> = {};
  for (const o of flags.logOpt ?? []) {
    const i = o.indexOf('=');
    if (i <= 0) throw new Error(`invalid key/value pair format in logging opts: ${o}`);
    config[o.slice(0, i)] = o.slice(i + 1);
  }
  return { LogConfig: { Type: flags.logDriver ?? '', Config: config } };
}

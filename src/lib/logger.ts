// The one structured logger: JSON lines on stderr, with fields such as
// container, image, digest or request id. Level from BERTH_LOG_LEVEL (default info).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

let threshold: number = order[(process.env['BERTH_LOG_LEVEL'] as LogLevel | undefined) ?? 'info'] ?? order.info;
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: LogLevel): void {
  threshold = order[level];
}

/** Redirects log lines (berthd sends them to its log file; tests silence them). */
export function setLogSink(fn: (line: string) => void): void {
  sink = fn;
}

function make(base: LogFields): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (order[level] < threshold) return;
    const extra: LogFields = {};
    for (const [k, v] of Object.entries(fields ?? {})) extra[k] = v instanceof Error ? v.message : v;
    sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...extra }));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    with: (fields) => make({ ...base, ...fields }),
  };
}

export const log: Logger = make({});

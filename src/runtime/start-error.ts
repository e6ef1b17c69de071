// Docker's exit code for a container that could not be started, decided from
// the runtime's error text as moby does (daemon/start.go): 127 when the command
// does not exist, 126 when it cannot be invoked, 125 for anything else.

export type StartErrorCode = 125 | 126 | 127;

export function classifyStartError(message: string): StartErrorCode {
  const m = message.toLowerCase();
  if (m.includes('executable file not found') || m.includes('no such file or directory') || m.includes('system cannot find the file specified')) {
    return 127;
  }
  if (m.includes('permission denied')) return 126;
  // Mounting a file onto a directory (or the reverse) is reported as not found.
  if (m.includes('not a directory')) return 127;
  return 125;
}

/**
 * The useful line of a runtime's failure output. runc logs logrus text
 * (`time="…" level=error msg="runc create failed: …"`) or JSON lines; crun prints
 * `crun: …`. Returns the last error message found, unquoted.
 */
export function runtimeErrorMessage(output: string): string {
  let found: string | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('{')) {
      try {
        const obj = JSON.parse(line) as unknown;
        if (typeof obj === 'object' && obj !== null && typeof (obj as Record<string, unknown>)['msg'] === 'string') {
          found = (obj as Record<string, string>)['msg'];
          continue;
        }
      } catch {
        // Not JSON after all: fall through to the text forms.
      }
    }
    const m = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (m?.[1] !== undefined) {
      try {
        found = JSON.parse(`"${m[1]}"`) as string;
      } catch {
        found = m[1];
      }
      continue;
    }
    found = line.replace(/^crun: /, '');
  }
  return found ?? output.trim();
}

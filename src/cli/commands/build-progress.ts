// How `berth build` shows a build's progress. `plain` prints the classic
// builder's lines as they come (what docker prints); `tty` is a compact live
// view for a terminal: one line per finished step (`CACHED` or its time), and
// for the running step its elapsed time and last few output lines, redrawn in
// place; the full output of a failing step is shown when it fails. The view
// reads the same text stream as `plain` (steps start at `Step i/n : …`).

export type ProgressMode = 'plain' | 'tty' | 'quiet';

/** Resolves `--progress` (and -q) to a mode: `auto` is `tty` on a terminal, else `plain`. */
export function progressMode(value: string | undefined, quiet: boolean, isTty: boolean): ProgressMode {
  if (quiet) return 'quiet';
  switch (value ?? 'auto') {
    case 'auto':
      return isTty ? 'tty' : 'plain';
    case 'plain':
    case 'tty':
    case 'quiet':
      return value as ProgressMode;
    default:
      throw new Error(`invalid progress mode "${value}": use auto, plain, tty or quiet`);
  }
}

export interface ProgressSink {
  /** A piece of the build's text output. */
  text(chunk: string): void;
  /** The build ended (ok or not); leaves the final view on the screen. */
  finish(failed: boolean): void;
}

/** Plain: the text as it comes. */
export function plainProgress(write: (s: string) => void): ProgressSink {
  return { text: write, finish: () => undefined };
}

interface StepView {
  readonly title: string;
  readonly started: number;
  state: 'running' | 'cached' | 'done';
  ended: number;
  /** Output lines of the step (RUN output), all of them. */
  readonly lines: string[];
}

const esc = '\x1b[';
const tail = 6;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The live view; `write` goes to the terminal, `columns` is its width. */
export function ttyProgress(write: (s: string) => void, columns: () => number, now: () => number = Date.now): ProgressSink {
  const t0 = now();
  let current: StepView | undefined;
  let partial = '';
  let drawn = 0;
  const finished: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  const fit = (s: string) => {
    const w = Math.max(20, columns() - 1);
    const clean = s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    return clean.length > w ? `${clean.slice(0, w - 1)}…` : clean;
  };
  /** `=> [2/5] RUN …  1.2s`: the title is cut so that the time stays visible. */
  const stepLine = (v: StepView) => {
    const right = v.state === 'cached' ? 'CACHED' : seconds((v.state === 'done' ? v.ended : now()) - v.started);
    const room = Math.max(10, Math.max(20, columns() - 1) - right.length - 5);
    const title = v.title.length > room ? `${v.title.slice(0, room - 1)}…` : v.title;
    return `${v.state === 'running' ? '=>' : ' ✔'} ${title}  ${right}`;
  };
  const redraw = () => {
    let s = drawn > 0 ? `${esc}${drawn}A\r${esc}J` : '';
    for (const f of finished.splice(0)) s += `${fit(f)}\n`;
    drawn = 0;
    if (current) {
      s += `${fit(`[+] Building ${seconds(now() - t0)}`)}\n${fit(stepLine(current))}\n`;
      const out = current.lines.slice(-tail);
      for (const l of out) s += `${esc}2m${fit(`   ${l}`)}${esc}0m\n`;
      drawn = 2 + out.length;
    }
    write(s);
  };
  const close = () => {
    if (!current) return;
    if (current.state === 'running') current.state = 'done';
    current.ended = now();
    finished.push(stepLine(current));
    current = undefined;
  };
  const line = (l: string) => {
    const step = /^Step (\d+\/\d+) : (.*)$/.exec(l);
    if (step) {
      close();
      current = { title: `[${step[1]}] ${step[2]}`, started: now(), state: 'running', ended: 0, lines: [] };
      return;
    }
    // The classic builder's bookkeeping lines.
    if (/^ ---> Running in [0-9a-f]{12}$/.test(l) || /^Removing intermediate container /.test(l)) return;
    if (/^ ---> [0-9a-f]{0,12}$/.test(l)) {
      close(); // the step's image: it is done
      return;
    }
    if (l === ' ---> Using cache') {
      if (current) current.state = 'cached';
      return;
    }
    if (/^Successfully (built|tagged) /.test(l) || l.startsWith('[Warning] ')) close();
    if (current) current.lines.push(l);
    else if (l !== '') finished.push(l);
  };

  return {
    text(chunk: string) {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) line(p.replace(/\r$/, ''));
      if (!timer) {
        timer = setInterval(redraw, 100);
        timer.unref();
      }
      redraw();
    },
    finish(failed: boolean) {
      if (timer) clearInterval(timer);
      if (partial !== '') line(partial);
      partial = '';
      const failedStep = failed ? current : undefined;
      close();
      redraw();
      if (failedStep && failedStep.lines.length > 0) {
        write(`--- output of ${failedStep.title} ---\n${failedStep.lines.join('\n')}\n`);
      }
    },
  };
}

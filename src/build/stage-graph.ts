// The stage graph: which stages a build needs. The target stage (by name, or
// the last one) depends on the stages its FROM and its `COPY --from=` and
// `RUN --mount=from=` name; only those are built, in Dockerfile order.
import { invalidArgument } from '../core/errors.ts';
import type { Stage } from './parser/index.ts';

/** The stage an expanded reference names: `AS` name (case-insensitive) or index, before `before`. */
export function stageIndex(stages: readonly Stage[], ref: string, before: number): number | undefined {
  const lower = ref.toLowerCase();
  for (let i = 0; i < before; i++) if ((stages[i] as Stage).name !== '' && (stages[i] as Stage).name === lower) return i;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return undefined;
}

/** Stages each stage depends on directly. */
export function stageDependencies(stages: readonly Stage[], expand: (word: string) => string): number[][] {
  return stages.map((stage, i) => {
    const deps = new Set<number>();
    const add = (ref: string) => {
      if (ref === '') return;
      let name = ref;
      try {
        name = expand(ref);
      } catch {
        // Refers to a stage ARG; not a stage name then.
      }
      const d = stageIndex(stages, name, i);
      if (d !== undefined) deps.add(d);
    };
    add(stage.baseName);
    for (const c of stage.commands) {
      if (c.kind === 'COPY') add(c.from);
      if (c.kind === 'RUN') for (const m of c.mounts) add(m.from);
    }
    return [...deps].sort((a, b) => a - b);
  });
}

/** Indexes of the stages to build for `target` (default the last stage), in order. */
export function planStages(stages: readonly Stage[], options: { target?: string; expand: (word: string) => string }): number[] {
  let target = stages.length - 1;
  if (options.target !== undefined && options.target !== '') {
    const t = stageIndex(stages, options.target, stages.length);
    if (t === undefined || /^\d+$/.test(options.target)) {
      const byName = stages.findIndex((s) => s.name === options.target?.toLowerCase());
      if (byName < 0) throw invalidArgument(`failed to reach build target ${options.target} in Dockerfile`);
      target = byName;
    } else target = t;
  }
  const deps = stageDependencies(stages, options.expand);
  const need = new Set<number>();
  const visit = (i: number) => {
    if (need.has(i)) return;
    need.add(i);
    for (const d of deps[i] ?? []) visit(d);
  };
  visit(target);
  return [...need].sort((a, b) => a - b);
}

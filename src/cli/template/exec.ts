// cli/template: executes a parsed template against data the way Go's text/template
// does for docker's --format: field lookup on JSON maps and on docker's formatter
// contexts, Go's %v printing, truthiness, range over lists and maps, pipelines.
import { TemplateError, lineOf, parseTemplate } from './parse.ts';
import type { Command, Node, Operand, Pipeline } from './parse.ts';
import { templateFunctions } from './functions.ts';

/** A docker formatter context: a Go type name and its methods (`.ID`, `.Label "k"`). */
export class TemplateObject {
  constructor(
    readonly goType: string,
    readonly fields: Readonly<Record<string, (...args: unknown[]) => unknown>>,
    readonly json?: () => unknown,
  ) {}
  toJSON(): unknown {
    if (this.json) return this.json();
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(this.fields).sort()) {
      const f = this.fields[k] as (...args: unknown[]) => unknown;
      if (f.length === 0) out[k] = f();
    }
    return out;
  }
}

/** Marks "no value" (a missing map key), printed as `<no value>` like Go. */
export const noValue: unique symbol = Symbol('no value');

/** Go's %v formatting of a value. */
export function formatValue(v: unknown): string {
  if (v === noValue || v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === null ? '<nil>' : formatValue(x))).join(' ')}]`;
  if (v instanceof TemplateObject) return formatValue(v.toJSON());
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${o[k] === null ? '<nil>' : formatValue(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // Go prints float64 with %v as strconv 'g' with the shortest precision.
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = n.toExponential().split('e') as [string, string];
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  return String(n);
}

/** Go's truthiness: false, 0, nil, empty string, empty slice or map are false. */
export function isTrue(v: unknown): boolean {
  if (v === noValue || v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof TemplateObject) return true;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function goTypeOf(v: unknown): string {
  if (v instanceof TemplateObject) return v.goType;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null || v === undefined || v === noValue) return 'interface {}';
  return 'map[string]interface {}';
}

interface Scope { readonly vars: Map<string, unknown>; readonly parent?: Scope }

export interface ExecuteOptions {
  /** 'error' as docker inspect's `missingkey=error`; default prints `<no value>`. */
  readonly missingKey?: 'default' | 'error';
}

/** Where Go reports an error in a field chain: after its first element when it has several. */
function chainPos(op: Operand): number {
  if ((op.kind === 'field' || op.kind === 'var') && op.path.length >= 2) {
    const firstLen = op.kind === 'field' ? (op.path[0] as string).length + 1 : op.name.length;
    return op.pos + firstLen;
  }
  return op.pos;
}

class Executor {
  out = '';
  constructor(readonly src: string, readonly options: ExecuteOptions = {}) {}

  #errAt(op: Operand, msg: string): TemplateError {
    return this.#err(chainPos(op), op.text, msg);
  }

  #err(pos: number, at: string, msg: string): TemplateError {
    const before = this.src.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const col = nl < 0 ? pos : pos - (nl + 1);
    return new TemplateError(`template: :${lineOf(this.src, pos)}:${col}: executing "" at <${at}>: ${msg}`);
  }

  #lookupVar(scope: Scope, name: string, op: Operand): unknown {
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name);
    throw new TemplateError(`template: :${lineOf(this.src, op.pos)}: undefined variable "${name}"`);
  }

  /** Walks `.A.B` from `base`; with `args`, the last element is called as a method. */
  #walk(base: unknown, path: readonly string[], op: Operand, args: readonly unknown[] = []): unknown {
    let cur = base;
    for (let i = 0; i < path.length; i++) {
      const name = path[i] as string;
      const last = i === path.length - 1;
      if (cur instanceof TemplateObject) {
        const f = cur.fields[name];
        if (!f) throw this.#errAt(op, `can't evaluate field ${name} in type ${cur.goType}`);
        if (!last && f.length > 0) throw this.#errAt(op, `wrong number of args for ${name}: want ${f.length} got 0`);
        if (last && args.length !== f.length) throw this.#errAt(op, `wrong number of args for ${name}: want ${f.length} got ${args.length}`);
        cur = f(...(last ? args : []));
        continue;
      }
      if (last && args.length > 0) throw this.#errAt(op, `${name} has arguments but cannot be invoked as function`);
      if (cur === noValue || cur === null || cur === undefined) {
        throw this.#errAt(op, `nil pointer evaluating interface {}.${name}`);
      }
      if (typeof cur === 'object' && !Array.isArray(cur)) {
        const o = cur as Record<string, unknown>;
        if (Object.prototype.hasOwnProperty.call(o, name)) cur = o[name];
        else if (this.options.missingKey === 'error') throw this.#errAt(op, `map has no entry for key "${name}"`);
        else cur = noValue;
        continue;
      }
      throw this.#errAt(op, `can't evaluate field ${name} in type ${goTypeOf(cur)}`);
    }
    return cur;
  }

  #operand(op: Operand, dot: unknown, scope: Scope): unknown {
    switch (op.kind) {
      case 'dot': return dot;
      case 'field': return this.#walk(dot, op.path, op);
      case 'var': return this.#walk(this.#lookupVar(scope, op.name, op), op.path, op);
      case 'string': case 'number': case 'bool': return op.value;
      case 'nil': return null;
      case 'pipe': return this.pipeline(op.pipe, dot, scope);
      case 'ident': {
        const f = templateFunctions[op.name];
        if (!f) throw new TemplateError(`template: :${lineOf(this.src, op.pos)}: function "${op.name}" not defined`);
        return this.#call(op, f, []);
      }
    }
  }

  #call(op: Operand, f: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      throw this.#err(op.pos, op.text, `error calling ${op.text}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  #command(cmd: Command, dot: unknown, scope: Scope, piped: unknown[]): unknown {
    const [head, ...rest] = cmd.args as [Operand, ...Operand[]];
    if (head.kind === 'ident') {
      const f = templateFunctions[head.name];
      if (!f) throw new TemplateError(`template: :${lineOf(this.src, head.pos)}: function "${head.name}" not defined`);
      const args = [...rest.map((a) => this.#operand(a, dot, scope)), ...piped];
      return this.#call(head, f, args);
    }
    if (head.kind === 'field' || (head.kind === 'var' && head.path.length > 0)) {
      const args = [...rest.map((a) => this.#operand(a, dot, scope)), ...piped];
      if (args.length > 0) {
        const base = head.kind === 'field' ? dot : this.#lookupVar(scope, head.name, head);
        return this.#walk(base, head.path, head, args);
      }
      return this.#operand(head, dot, scope);
    }
    if (rest.length > 0 || piped.length > 0) {
      throw this.#err(head.pos, head.text, `can't give argument to non-function ${head.text}`);
    }
    return this.#operand(head, dot, scope);
  }

  pipeline(pipe: Pipeline, dot: unknown, scope: Scope): unknown {
    let value: unknown = noValue;
    pipe.cmds.forEach((cmd, i) => {
      value = this.#command(cmd, dot, scope, i === 0 ? [] : [value]);
    });
    if (pipe.decl.length === 1) scope.vars.set(pipe.decl[0] as string, value);
    return value;
  }

  list(nodes: readonly Node[], dot: unknown, scope: Scope): void {
    for (const n of nodes) this.node(n, dot, scope);
  }

  node(n: Node, dot: unknown, scope: Scope): void {
    switch (n.kind) {
      case 'text': this.out += n.text; return;
      case 'action': {
        const v = this.pipeline(n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) this.out += formatValue(v);
        return;
      }
      case 'if': case 'with': {
        const inner: Scope = { vars: new Map(), parent: scope };
        const v = this.pipeline({ ...n.pipe, decl: [] }, dot, inner);
        if (n.pipe.decl.length === 1) inner.vars.set(n.pipe.decl[0] as string, v);
        if (isTrue(v)) this.list(n.list, n.kind === 'with' ? v : dot, inner);
        else this.list(n.elseList, dot, { vars: new Map(), parent: scope });
        return;
      }
      case 'range': {
        const v = this.pipeline({ ...n.pipe, decl: [] }, dot, scope);
        const entries: [unknown, unknown][] = [];
        if (Array.isArray(v)) v.forEach((x, i) => entries.push([i, x]));
        else if (v instanceof TemplateObject) throw this.#err(n.pipe.pos, 'range', `range can't iterate over ${formatValue(v)}`);
        else if (v && typeof v === 'object') {
          const o = v as Record<string, unknown>;
          for (const k of Object.keys(o).sort()) entries.push([k, o[k]]);
        } else if (typeof v === 'number' && Number.isInteger(v)) {
          for (let i = 0; i < v; i++) entries.push([i, i]);
        } else if (v !== noValue && v !== null && v !== undefined) {
          throw this.#err(n.pipe.pos, n.pipe.cmds[0]?.args[0]?.text ?? 'range', `range can't iterate over ${formatValue(v)}`);
        }
        if (entries.length === 0) { this.list(n.elseList, dot, scope); return; }
        for (const [k, x] of entries) {
          const inner: Scope = { vars: new Map(), parent: scope };
          if (n.pipe.decl.length === 1) inner.vars.set(n.pipe.decl[0] as string, x);
          if (n.pipe.decl.length === 2) { inner.vars.set(n.pipe.decl[0] as string, k); inner.vars.set(n.pipe.decl[1] as string, x); }
          this.list(n.list, x, inner);
        }
        return;
      }
    }
  }
}

/** A parsed template, executable many times. */
export class Template {
  readonly #nodes: readonly Node[];
  constructor(readonly source: string) {
    this.#nodes = parseTemplate(source);
  }
  execute(data: unknown, options: ExecuteOptions = {}): string {
    const ex = new Executor(this.source, options);
    ex.list(this.#nodes, data, { vars: new Map([['$', data]]) });
    return ex.out;
  }
}

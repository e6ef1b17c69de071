// cli-kit/template: executes a parsed template the way Go's text/template does for
// docker's --format: field chains on JSON maps and formatter contexts, function
// calls with Go's argument checks, variables, if/with/range with break/continue,
// named templates, and Go's "executing … at <…>" error texts.
import { TemplateError, operandText, parseTemplate, lineOf } from './parse.ts';
import type { Node, Operand, Pipeline, Parsed } from './parse.ts';
import { templateFunctions, type Param, type TemplateFunction } from './functions.ts';
import { TemplateObject, goTypeOf, isTrue, noValue, withNumberType } from './value.ts';
import { formatValue } from './fmt.ts';

export { TemplateObject, noValue, isTrue, formatValue };

export interface ExecuteOptions {
  /** 'error' as docker inspect's `missingkey=error`; default prints `<no value>`. */
  readonly missingKey?: 'default' | 'error';
}

const missing = Symbol('missing final');
class Break { constructor(readonly kind: 'break' | 'continue') {} }

/** Fields that are Go maps (not structs) in the Engine API's types. */
const goMapFields = new Set(['Labels', 'Options', 'DriverOpts', 'Networks', 'Ports', 'ExposedPorts', 'Volumes', 'Sysctls',
  'StorageOpt', 'Tmpfs', 'Data', 'Containers', 'Status', 'Annotations', 'Services', 'UsageData']);

class Executor {
  out = '';
  missingSeen = false;
  #vars: { name: string; value: unknown }[] = [];
  #depth = 0;
  constructor(readonly src: string, readonly parsed: Parsed, readonly options: ExecuteOptions) {}

  #fail(node: Operand | { pos: number; text: string }, msg: string): never {
    const pos = node.pos;
    const before = this.src.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const col = nl < 0 ? pos : pos - (nl + 1);
    const at = 'kind' in node ? operandText(node) : node.text;
    throw new TemplateError(`template: :${lineOf(this.src, pos)}:${col}: executing "" at <${at}>: ${msg}`);
  }

  run(nodes: readonly Node[], data: unknown): void {
    this.#vars = [{ name: '$', value: data }];
    this.#list(nodes, data);
  }

  #list(nodes: readonly Node[], dot: unknown): void {
    for (const n of nodes) this.#node(n, dot);
  }

  #node(n: Node, dot: unknown): void {
    switch (n.kind) {
      case 'text': this.out += n.text; return;
      case 'action': {
        const v = this.#pipeline(n.pipe, dot);
        if (n.pipe.decl.length === 0) this.out += formatValue(v);
        return;
      }
      case 'break': case 'continue': throw new Break(n.kind);
      case 'if': case 'with': {
        const mark = this.#vars.length;
        try {
          const v = this.#pipeline(n.pipe, dot);
          if (isTrue(v)) this.#list(n.list, n.kind === 'with' ? v : dot);
          else this.#list(n.elseList, dot);
        } finally { this.#vars.length = mark; }
        return;
      }
      case 'range': return this.#range(n, dot);
      case 'template': {
        const t = this.parsed.defines.get(n.name);
        if (!t) this.#fail({ pos: n.pos, text: `{{template ${JSON.stringify(n.name)}}}` }, `template ${JSON.stringify(n.name)} not defined`);
        if (++this.#depth > 100000) this.#fail({ pos: n.pos, text: n.name }, 'exceeded maximum template depth (100000)');
        const value = n.pipe ? this.#pipeline(n.pipe, dot) : null;
        const save = this.#vars;
        this.#vars = [{ name: '$', value }];
        try { this.#list(t, value); } finally { this.#vars = save; this.#depth--; }
        return;
      }
    }
  }

  #range(n: Extract<Node, { kind: 'if' | 'with' | 'range' }>, dot: unknown): void {
    const mark = this.#vars.length;
    try {
      const v = this.#pipeline({ ...n.pipe, decl: [] }, dot);
      const entries: [unknown, unknown][] = [];
      if (Array.isArray(v)) v.forEach((x, i) => entries.push([i, x]));
      else if (v instanceof TemplateObject) this.#fail({ pos: n.pipe.pos, text: 'range' }, `range can't iterate over ${formatValue(v)}`);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        for (const k of Object.keys(o).sort()) entries.push([k, o[k]]);
      } else if (typeof v === 'number' && Number.isInteger(v)) {
        if (n.pipe.decl.length > 1) this.#fail({ pos: n.pipe.pos, text: 'range' }, `can't use ${v} to iterate over more than one variable`);
        for (let i = 0; i < v; i++) entries.push([i, i]);
      } else if (v !== noValue && v !== null) {
        this.#fail({ pos: n.pipe.pos, text: n.pipe.cmds[0]?.args[0] ? operandText(n.pipe.cmds[0].args[0]) : 'range' }, `range can't iterate over ${formatValue(v)}`);
      }
      if (entries.length === 0) { this.#list(n.elseList, dot); return; }
      const base = this.#vars.length;
      for (const [k, x] of entries) {
        this.#vars.length = base;
        if (n.pipe.decl.length === 1) this.#vars.push({ name: n.pipe.decl[0] as string, value: x });
        if (n.pipe.decl.length === 2) this.#vars.push({ name: n.pipe.decl[0] as string, value: k }, { name: n.pipe.decl[1] as string, value: x });
        try { this.#list(n.list, x); } catch (e) {
          if (!(e instanceof Break)) throw e;
          if (e.kind === 'break') break;
        }
      }
    } finally { this.#vars.length = mark; }
  }

  #pipeline(pipe: Pipeline, dot: unknown): unknown {
    let value: unknown = missing;
    for (const cmd of pipe.cmds) value = this.#command(cmd.args, dot, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) {
        const v = [...this.#vars].reverse().find((x) => x.name === name);
        if (v) v.value = value;
      } else this.#vars.push({ name, value });
    }
    return value;
  }

  #varValue(op: Extract<Operand, { kind: 'var' }>): unknown {
    for (let i = this.#vars.length - 1; i >= 0; i--) if (this.#vars[i]?.name === op.name) return this.#vars[i]?.value;
    this.#fail(op, `undefined variable: ${op.name}`);
  }

  #command(args: readonly Operand[], dot: unknown, final: unknown): unknown {
    const head = args[0] as Operand;
    switch (head.kind) {
      case 'field': return this.#chain(head, dot, dot, head.path, args, final);
      case 'var': {
        const v = this.#varValue(head);
        if (head.path.length === 0) { this.#notAFunction(args, final); return v; }
        return this.#chain(head, dot, v, head.path, args, final);
      }
      case 'chain': {
        if (head.node.kind === 'field') this.#fail(head, 'internal error: no fields in evalChainNode');
        const base = this.#arg(head.node, dot);
        return this.#chain(head, dot, base, head.path, args, final);
      }
      case 'ident': return this.#function(head, dot, args, final);
      case 'pipe': this.#notAFunction(args, final); return this.#pipeline(head.pipe, dot);
      default: break;
    }
    this.#notAFunction(args, final);
    switch (head.kind) {
      case 'bool': case 'string': case 'number': return head.value;
      case 'dot': return dot;
      default: return this.#fail(head, 'nil is not a command');
    }
  }

  #notAFunction(args: readonly Operand[], final: unknown): void {
    if (args.length > 1 || final !== missing) this.#fail(args[0] as Operand, `can't give argument to non-function ${operandText(args[0] as Operand)}`);
  }

  /** Walks `.A.B` from `receiver`; the last element gets the command's arguments. */
  #chain(node: Operand, dot: unknown, receiver: unknown, path: readonly string[], args: readonly Operand[], final: unknown): unknown {
    let cur = receiver;
    for (let i = 0; i < path.length; i++) {
      const last = i === path.length - 1;
      cur = this.#field(node, dot, path[i] as string, last ? args : [], last ? final : missing, cur, i > 0 ? path[i - 1] : undefined);
    }
    return cur;
  }

  #field(node: Operand, dot: unknown, name: string, args: readonly Operand[], final: unknown, receiver: unknown, from?: string): unknown {
    const hasArgs = args.length > 1 || final !== missing;
    if (receiver === noValue) {
      if (this.options.missingKey === 'error') this.#fail(node, `nil data; no entry for key ${JSON.stringify(name)}`);
      return noValue;
    }
    if (receiver instanceof TemplateObject) {
      const f = receiver.fields[name];
      if (!f) this.#fail(node, `can't evaluate field ${name} in type ${receiver.goType}`);
      const given = args.slice(1).map((a) => this.#arg(a, dot));
      if (final !== missing) given.push(final);
      if (given.length !== f.length) this.#fail(node, `wrong number of args for ${name}: want ${f.length} got ${given.length}`);
      return f(...given);
    }
    if (receiver === null) this.#fail(node, `nil pointer evaluating interface {}.${name}`);
    if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      if (hasArgs) this.#fail(node, `${name} is not a method but has arguments`);
      const o = receiver as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
      if (this.options.missingKey === 'error') this.#fail(node, `map has no entry for key ${JSON.stringify(name)}`);
      // in docker's typed data a missing Go-map key is <no value>, a missing struct field an error
      if (from === undefined || !goMapFields.has(from)) this.missingSeen = true;
      return noValue;
    }
    this.#fail(node, `can't evaluate field ${name} in type ${this.options.missingKey === 'error' ? 'interface {}' : goTypeOf(receiver)}`);
  }

  #function(head: Extract<Operand, { kind: 'ident' }>, dot: unknown, args: readonly Operand[], final: unknown): unknown {
    // Go reports a failed call at the command (`<index .M 9>`), other faults at the operand
    const cmd = { pos: head.pos, text: args.map((a) => (a.kind === 'pipe' ? `(${operandText(a)})` : operandText(a))).join(' ') };
    const fn = templateFunctions[head.name] as TemplateFunction;
    const rest = args.slice(1);
    const numIn = rest.length + (final === missing ? 0 : 1);
    if (fn.variadic) {
      if (numIn < fn.params.length) this.#fail(head, `wrong number of args for ${head.name}: want at least ${fn.params.length} got ${rest.length}`);
    } else if (numIn !== fn.params.length) this.#fail(head, `wrong number of args for ${head.name}: want ${fn.params.length} got ${numIn}`);
    const typeAt = (i: number): Param => fn.params[i] ?? (fn.variadic as Param);
    if (fn.lazy) return this.#andOr(head.name, rest, dot, final);
    const argv = rest.map((a, i) => this.#typedArg(a, dot, typeAt(i)));
    if (final !== missing) argv.push(this.#validate(rest.length > 0 ? (rest[rest.length - 1] as Operand) : head, final, typeAt(rest.length)));
    if (head.name === 'call') return this.#callFn(cmd, rest[0] ?? head, argv[0]);
    try {
      return fn.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.#fail(cmd, `error calling ${head.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** berth's data holds no Go functions, so `call` always fails as Go's does on a non-function. */
  #callFn(cmd: { pos: number; text: string }, node: Operand, fn: unknown): never {
    if (fn === noValue || fn === null) this.#fail(cmd, 'error calling call: call of nil');
    this.#fail(cmd, `error calling call: non-function ${operandText(node)} of type ${goTypeOf(fn)}`);
  }

  #andOr(name: string, rest: readonly Operand[], dot: unknown, final: unknown): unknown {
    const thunks: (() => unknown)[] = rest.map((a) => () => this.#arg(a, dot));
    if (final !== missing) thunks.push(() => final);
    let v: unknown = noValue;
    for (const t of thunks) {
      v = t();
      if (isTrue(v) === (name === 'or')) return v;
    }
    return v;
  }

  /** Evaluates an argument with no type in mind (interface{} or reflect.Value). */
  #arg(a: Operand, dot: unknown): unknown {
    switch (a.kind) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'field': return this.#chain(a, dot, dot, a.path, [a], missing);
      case 'var': return a.path.length === 0 ? this.#varValue(a) : this.#chain(a, dot, this.#varValue(a), a.path, [a], missing);
      case 'chain': return this.#chain(a, dot, this.#arg(a.node, dot), a.path, [a], missing);
      case 'pipe': return this.#pipeline(a.pipe, dot);
      case 'ident': return this.#function(a, dot, [a], missing);
      case 'string': case 'number': case 'bool': return a.value;
    }
  }

  #typedArg(a: Operand, dot: unknown, type: Param): unknown {
    if (type === 'value' || type === 'any') {
      const v = this.#arg(a, dot);
      return type === 'any' && v === noValue ? null : v;
    }
    if (a.kind === 'nil') this.#fail(a, `cannot assign nil to ${type}`);
    if (['dot', 'field', 'var', 'chain', 'pipe', 'ident'].includes(a.kind)) return this.#validate(a, this.#arg(a, dot), type);
    if (type === 'string' && a.kind === 'string') return a.value;
    if (type === 'int' && a.kind === 'number' && a.isInt) return a.value;
    if (type === 'string') this.#fail(a, `expected string; found ${operandText(a)}`);
    if (type === 'int') this.#fail(a, `expected integer; found ${operandText(a)}`);
    this.#fail(a, `can't handle ${operandText(a)} for arg of type ${type}`);
  }

  #validate(node: Operand, v: unknown, type: Param): unknown {
    if (type === 'value') return v;
    if (v === noValue) {
      if (type === 'any') return null;
      if (type === '[]string') return [];
      this.#fail(node, `invalid value; expected ${type}`);
    }
    if (type === 'any') return v;
    if (type === 'string' && typeof v === 'string') return v;
    if (type === 'int' && typeof v === 'number' && Number.isInteger(v)) return v;
    if (type === '[]string' && (v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) return v ?? [];
    this.#fail(node, `wrong type for value; expected ${type}; got ${v === null ? 'interface {}' : goTypeOf(v)}`);
  }
}

const hasFunction = (name: string) => Object.prototype.hasOwnProperty.call(templateFunctions, name);

/** A parsed template, executable many times. */
export class Template {
  readonly #parsed: Parsed;
  constructor(readonly source: string) {
    this.#parsed = parseTemplate(source, hasFunction);
  }
  execute(data: unknown, options: ExecuteOptions = {}): string {
    if (options.missingKey !== 'error') {
      const ex = new Executor(this.source, this.#parsed, options);
      ex.run(this.#parsed.root, data);
      return ex.out;
    }
    // docker inspect runs the template on its typed structs and, when that fails, again
    // on the raw JSON (numbers are json.Number there) with missingkey=error; berth holds
    // the JSON only, so a success reads numbers as ints and a failure reports the raw run.
    try {
      const ex = new Executor(this.source, this.#parsed, { missingKey: 'default' });
      withNumberType('int', () => ex.run(this.#parsed.root, data));
      if (!ex.missingSeen) return ex.out;
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
    }
    const raw = new Executor(this.source, this.#parsed, options);
    withNumberType('json.Number', () => raw.run(this.#parsed.root, data));
    return raw.out;
  }
}
